package dev.hookline.receiver;

import static dev.hookline.receiver.Requests.API_KEY;
import static dev.hookline.receiver.Requests.NOW;
import static dev.hookline.receiver.Requests.OTHER_API_KEY;
import static dev.hookline.receiver.Requests.OTHER_SECRET;
import static dev.hookline.receiver.Requests.SECRET;
import static dev.hookline.receiver.Requests.body;
import static dev.hookline.receiver.Requests.headers;
import static dev.hookline.receiver.Requests.sign;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.testing.ManualClock;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WebhookVerifierTest {
  private final ManualClock clock = ManualClock.at(NOW);
  private final WebhookVerifier verifier =
      WebhookVerifier.builder().apiKey(API_KEY).signingSecret(SECRET).clock(clock).build();

  static Reason reasonOf(Executable call) {
    return assertThrows(WebhookVerificationException.class, call).reason();
  }

  // ---- accepted requests

  @Test
  void validNotificationVerifiesAndIsParsed() {
    byte[] body = body("evt_1");
    Notification n = verifier.verify(headers("evt_1", body), body);
    assertEquals("evt_1", n.id());
    assertEquals("user.created", n.type());
    assertEquals(Instant.parse("2026-11-22T10:15:30.123Z"), n.timestamp());
    assertEquals("ada@example.com", n.data().get("email").asText());
    assertArrayEquals(body, n.rawBody());
    assertEquals(body.length, n.rawBodyLength());
  }

  @Test
  void notificationIsImmutableAndItsToStringHidesTheData() {
    byte[] body = body("evt_1");
    Notification n = verifier.verify(headers("evt_1", body), body);
    body[0] = 'X';
    ((ObjectNode) n.data()).put("email", "mallory@example.com");
    n.rawBody()[1] = 'Y';
    assertEquals("ada@example.com", n.data().get("email").asText());
    assertArrayEquals(body("evt_1"), n.rawBody());
    assertFalse(n.toString().contains("ada@example.com"), n.toString());
    assertTrue(n.toString().contains("evt_1"));
  }

  @Test
  void notificationsOfTheSameRequestAreEqual() {
    byte[] body = body("evt_eq");
    Notification a = verifier.verify(headers("evt_eq", body), body);
    verifier.release(a);
    Notification b = verifier.verify(headers("evt_eq", body), body);
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    byte[] other = body("evt_ne");
    assertNotEquals(a, verifier.verify(headers("evt_ne", other), other));
  }

  @Test
  void everyAcceptedApiKeyVerifiesDuringARotation() {
    WebhookVerifier rotating =
        WebhookVerifier.builder()
            .apiKey(API_KEY)
            .apiKey(OTHER_API_KEY)
            .signingSecret(SECRET)
            .clock(clock)
            .build();
    for (String key : List.of(API_KEY, OTHER_API_KEY)) {
      String id = "evt_" + key;
      byte[] body = body(id);
      long ts = NOW.getEpochSecond();
      assertEquals(
          id,
          rotating
              .verify(headers(key, id, Long.toString(ts), sign(SECRET, id, ts, body)), body)
              .id());
    }
  }

  @Test
  void signatureUnderAnyConfiguredSecretVerifiesDuringARotation() {
    WebhookVerifier rotating =
        WebhookVerifier.builder()
            .apiKey(API_KEY)
            .signingSecret(SECRET)
            .signingSecret(OTHER_SECRET)
            .clock(clock)
            .build();
    long ts = NOW.getEpochSecond();
    for (String secret : List.of(SECRET, OTHER_SECRET)) {
      String id = "evt_" + secret.hashCode();
      byte[] body = body(id);
      assertEquals(
          id,
          rotating
              .verify(headers(API_KEY, id, Long.toString(ts), sign(secret, id, ts, body)), body)
              .id());
    }
  }

  @Test
  void anyMatchingSignatureInTheListVerifies() {
    long ts = NOW.getEpochSecond();
    String id = "evt_list";
    byte[] body = body(id);
    String list =
        "v1a,c29tZSBhc3ltbWV0cmlj "
            + sign(OTHER_SECRET, id, ts, body)
            + "  "
            + sign(SECRET, id, ts, body);
    assertEquals(id, verifier.verify(headers(API_KEY, id, Long.toString(ts), list), body).id());
  }

  @Test
  void headerNamesAreCaseInsensitiveInAPlainMap() {
    byte[] body = body("evt_case");
    Map<String, List<String>> h = new HashMap<>();
    headers("evt_case", body).forEach((k, v) -> h.put(k.toUpperCase(java.util.Locale.ROOT), v));
    assertEquals("evt_case", verifier.verify(h, body).id());
  }

  @Test
  void javaNetHttpHeadersAreAccepted() {
    byte[] body = body("evt_jnh");
    HttpHeaders h = HttpHeaders.of(headers("evt_jnh", body), (name, value) -> true);
    assertEquals("evt_jnh", verifier.verify(h, body).id());
  }

  @Test
  void jdkHttpServerHeadersAreAccepted() {
    byte[] body = body("evt_sun");
    com.sun.net.httpserver.Headers h = new com.sun.net.httpserver.Headers();
    headers("evt_sun", body).forEach(h::put);
    assertEquals("evt_sun", verifier.verify(h, body).id());
  }

  @Test
  void bearerSchemeIsCaseInsensitive() {
    byte[] body = body("evt_b");
    Map<String, List<String>> h = headers("evt_b", body);
    h.put("Authorization", List.of("bearer " + API_KEY));
    assertEquals("evt_b", verifier.verify(h, body).id());
  }

  // ---- API key

  @Test
  void missingAuthorizationIsMissingApiKey() {
    byte[] body = body("evt_1");
    Map<String, List<String>> h = headers("evt_1", body);
    h.remove("Authorization");
    assertEquals(Reason.MISSING_API_KEY, reasonOf(() -> verifier.verify(h, body)));
    h.put("Authorization", List.of("Bearer   "));
    assertEquals(Reason.MISSING_API_KEY, reasonOf(() -> verifier.verify(h, body)));
  }

  @Test
  void wrongKeyOrSchemeIsInvalidApiKey() {
    byte[] body = body("evt_1");
    Map<String, List<String>> h = headers("evt_1", body);
    h.put("Authorization", List.of("Bearer " + OTHER_API_KEY));
    assertEquals(Reason.INVALID_API_KEY, reasonOf(() -> verifier.verify(h, body)));
    h.put("Authorization", List.of("Basic " + API_KEY));
    assertEquals(Reason.INVALID_API_KEY, reasonOf(() -> verifier.verify(h, body)));
    h.put("Authorization", List.of("Bearer " + API_KEY.substring(1)));
    assertEquals(Reason.INVALID_API_KEY, reasonOf(() -> verifier.verify(h, body)));
    h.put("Authorization", List.of("Bearer " + API_KEY + "x"));
    assertEquals(Reason.INVALID_API_KEY, reasonOf(() -> verifier.verify(h, body)));
  }

  // ---- headers

  @ParameterizedTest
  @ValueSource(strings = {"webhook-id", "webhook-timestamp", "webhook-signature"})
  void eachSignatureHeaderIsRequired(String name) {
    byte[] body = body("evt_1");
    Map<String, List<String>> h = headers("evt_1", body);
    h.remove(name);
    assertEquals(Reason.MISSING_SIGNATURE_HEADERS, reasonOf(() -> verifier.verify(h, body)));
    h.put(name, List.of(" "));
    assertEquals(Reason.MISSING_SIGNATURE_HEADERS, reasonOf(() -> verifier.verify(h, body)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"Authorization", "webhook-id", "webhook-timestamp", "webhook-signature"})
  void aDuplicatedHeaderIsMalformed(String name) {
    byte[] body = body("evt_1");
    Map<String, List<String>> twoValues = headers("evt_1", body);
    Requests.values(twoValues, name).add(Requests.values(twoValues, name).get(0));
    assertEquals(Reason.MALFORMED_HEADER, reasonOf(() -> verifier.verify(twoValues, body)));

    Map<String, List<String>> twoKeys = headers("evt_1", body);
    twoKeys.put(
        name.toUpperCase(java.util.Locale.ROOT), List.of(Requests.values(twoKeys, name).get(0)));
    assertEquals(Reason.MALFORMED_HEADER, reasonOf(() -> verifier.verify(twoKeys, body)));
  }

  @Test
  void a100KbSignatureHeaderIsMalformed() {
    byte[] body = body("evt_1");
    Map<String, List<String>> h = headers("evt_1", body);
    h.put("webhook-signature", List.of("v1," + "A".repeat(100 * 1024)));
    assertEquals(Reason.MALFORMED_HEADER, reasonOf(() -> verifier.verify(h, body)));
  }

  @Test
  void oversizedOrUnprintableIdIsMalformed() {
    byte[] body = body("evt_1");
    Map<String, List<String>> h = headers("evt_1", body);
    h.put("webhook-id", List.of("e".repeat(257)));
    assertEquals(Reason.MALFORMED_HEADER, reasonOf(() -> verifier.verify(h, body)));
    h.put("webhook-id", List.of("evt 1"));
    assertEquals(Reason.MALFORMED_HEADER, reasonOf(() -> verifier.verify(h, body)));
    h.put("webhook-id", List.of("evt_\u00e9"));
    assertEquals(Reason.MALFORMED_HEADER, reasonOf(() -> verifier.verify(h, body)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"12a", "-1795", "+1795", "1795.5", "0x10", "1234567890123456789"})
  void aTimestampThatIsNotUnixSecondsIsMalformed(String timestamp) {
    byte[] body = body("evt_1");
    Map<String, List<String>> h = headers("evt_1", body);
    h.put("webhook-timestamp", List.of(timestamp));
    assertEquals(Reason.MALFORMED_HEADER, reasonOf(() -> verifier.verify(h, body)));
  }

  @Test
  void anOversizedAuthorizationHeaderIsMalformed() {
    byte[] body = body("evt_1");
    Map<String, List<String>> h = headers("evt_1", body);
    h.put("Authorization", List.of("Bearer " + "k".repeat(100_000)));
    assertEquals(Reason.MALFORMED_HEADER, reasonOf(() -> verifier.verify(h, body)));
  }

  // ---- signature

  @Test
  void aSignatureUnderAnotherSecretIsInvalid() {
    long ts = NOW.getEpochSecond();
    byte[] body = body("evt_1");
    Map<String, List<String>> h =
        headers(API_KEY, "evt_1", Long.toString(ts), sign(OTHER_SECRET, "evt_1", ts, body));
    assertEquals(Reason.INVALID_SIGNATURE, reasonOf(() -> verifier.verify(h, body)));
  }

  @Test
  void aNonCanonicalEncodingOfTheRightMacIsInvalid() {
    // 32 bytes -> 43 base64 characters and one '='; the 43rd carries 2 unused bits that lenient
    // decoders ignore. Comparing text, not decoded bytes, refuses the altered form.
    byte[] body = body("evt_1");
    Map<String, List<String>> h = headers("evt_1", body);
    String good = Requests.values(h, "webhook-signature").get(0);
    char last = good.charAt(good.length() - 2);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char sibling = alphabet.charAt(alphabet.indexOf(last) ^ 1);
    String altered = good.substring(0, good.length() - 2) + sibling + "=";
    assertArrayEquals(
        java.util.Base64.getDecoder().decode(good.substring(3)),
        java.util.Base64.getDecoder().decode(altered.substring(3)),
        "same MAC bytes");
    h.put("webhook-signature", List.of(altered));
    assertEquals(Reason.INVALID_SIGNATURE, reasonOf(() -> verifier.verify(h, body)));
  }

  @Test
  void aChangedBodyIsInvalid() {
    byte[] body = body("evt_1");
    Map<String, List<String>> h = headers("evt_1", body);
    byte[] changed =
        new String(body, StandardCharsets.UTF_8)
            .replace("ada@", "eve@")
            .getBytes(StandardCharsets.UTF_8);
    assertEquals(Reason.INVALID_SIGNATURE, reasonOf(() -> verifier.verify(h, changed)));
  }

  // ---- timestamp

  @Test
  void toleranceAppliesInBothDirections() {
    byte[] body = body("evt_t");
    Map<String, List<String>> h = headers("evt_t", body);
    clock.set(NOW.plusSeconds(301));
    assertEquals(Reason.TIMESTAMP_TOO_OLD, reasonOf(() -> verifier.verify(h, body)));
    clock.set(NOW.minusSeconds(301));
    assertEquals(Reason.TIMESTAMP_IN_FUTURE, reasonOf(() -> verifier.verify(h, body)));
    clock.set(NOW.plusSeconds(300));
    assertEquals("evt_t", verifier.verify(h, body).id());
  }

  @Test
  void toleranceIsConfigurable() {
    WebhookVerifier strict =
        WebhookVerifier.builder()
            .apiKey(API_KEY)
            .signingSecret(SECRET)
            .clock(clock)
            .timestampTolerance(Duration.ofSeconds(30))
            .build();
    byte[] body = body("evt_t");
    Map<String, List<String>> h = headers("evt_t", body);
    clock.set(NOW.plusSeconds(31));
    assertEquals(Reason.TIMESTAMP_TOO_OLD, reasonOf(() -> strict.verify(h, body)));
    clock.set(NOW.plusSeconds(30));
    assertEquals("evt_t", strict.verify(h, body).id());
  }

  // ---- body

  @Test
  void aBodyOverTheLimitIsTooLarge() {
    WebhookVerifier small =
        WebhookVerifier.builder()
            .apiKey(API_KEY)
            .signingSecret(SECRET)
            .clock(clock)
            .maxBodyBytes(100)
            .build();
    byte[] body = body("evt_big");
    assertTrue(body.length > 100);
    assertEquals(
        Reason.BODY_TOO_LARGE, reasonOf(() -> small.verify(headers("evt_big", body), body)));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "not json",
        "[1,2]",
        "\"evt_m\"",
        "{\"type\":\"user.created\",\"timestamp\":\"2026-11-22T10:15:30Z\",\"data\":{}}",
        "{\"id\":\"evt_other\",\"type\":\"user.created\",\"timestamp\":\"2026-11-22T10:15:30Z\",\"data\":{}}",
        "{\"id\":\"evt_m\",\"timestamp\":\"2026-11-22T10:15:30Z\",\"data\":{}}",
        "{\"id\":\"evt_m\",\"type\":\"\",\"timestamp\":\"2026-11-22T10:15:30Z\",\"data\":{}}",
        "{\"id\":\"evt_m\",\"type\":7,\"timestamp\":\"2026-11-22T10:15:30Z\",\"data\":{}}",
        "{\"id\":\"evt_m\",\"type\":\"user.created\",\"timestamp\":\"yesterday\",\"data\":{}}",
        "{\"id\":\"evt_m\",\"type\":\"user.created\",\"timestamp\":\"2026-11-22T10:15:30Z\"}",
        "{\"id\":\"evt_m\",\"type\":\"user.created\",\"timestamp\":\"2026-11-22T10:15:30Z\",\"data\":[]}",
        "{\"id\":\"evt_m\",\"id\":\"evt_m\",\"type\":\"user.created\",\"timestamp\":\"2026-11-22T10:15:30Z\",\"data\":{}}",
        "{\"id\":\"evt_m\",\"type\":\"user.created\",\"timestamp\":\"2026-11-22T10:15:30Z\",\"data\":{}} {}",
        "{\"id\":\"evt_m\",\"type\":\"user.created\",\"timestamp\":\"2026-11-22T10:15:30Z\",\"data\":{}",
      })
  void aSignedBodyThatIsNotANotificationIsMalformed(String text) {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    assertEquals(
        Reason.MALFORMED_BODY, reasonOf(() -> verifier.verify(headers("evt_m", body), body)));
  }

  @Test
  void unknownBodyFieldsAreIgnored() {
    byte[] body =
        ("{\"id\":\"evt_u\",\"type\":\"user.created\",\"timestamp\":\"2026-11-22T10:15:30Z\","
                + "\"data\":{},\"version\":2}")
            .getBytes(StandardCharsets.UTF_8);
    assertEquals("evt_u", verifier.verify(headers("evt_u", body), body).id());
  }

  // ---- replay guard

  @Test
  void aCompletedNotificationIsAcknowledgedAsAlreadyProcessed() {
    byte[] body = body("evt_done");
    Map<String, List<String>> h = headers("evt_done", body);
    Notification n = verifier.verify(h, body);
    assertEquals(Reason.IN_PROGRESS, reasonOf(() -> verifier.verify(h, body)));
    verifier.complete(n);
    assertEquals(Reason.ALREADY_PROCESSED, reasonOf(() -> verifier.verify(h, body)));
    assertEquals(200, Reason.ALREADY_PROCESSED.httpStatus());
    assertEquals(409, Reason.IN_PROGRESS.httpStatus());
  }

  @Test
  void aRetryWithAFreshTimestampIsAcknowledgedForRememberProcessedFor() {
    WebhookVerifier v =
        WebhookVerifier.builder()
            .apiKey(API_KEY)
            .signingSecret(SECRET)
            .clock(clock)
            .rememberProcessedFor(Duration.ofHours(1))
            .build();
    byte[] body = body("evt_later");
    byte[] other = body("evt_later2");
    v.complete(v.verify(headers("evt_later", body), body));
    v.complete(v.verify(headers("evt_later2", other), other));
    clock.advance(Duration.ofMinutes(59));
    assertEquals(
        Reason.ALREADY_PROCESSED, reasonOf(() -> v.verify(retry("evt_later", body), body)));
    clock.advance(Duration.ofMinutes(1).plusSeconds(1));
    // Not retried in between (a retry answered as processed keeps its id until its window ends).
    assertEquals("evt_later2", v.verify(retry("evt_later2", other), other).id(), "forgotten after");
  }

  @Test
  void byDefaultAProcessedIdIsRememberedForTenMinutesAfterCompletion() {
    assertEquals(Duration.ofMinutes(10), WebhookVerifier.DEFAULT_REMEMBER_PROCESSED_FOR);
    byte[] body = body("evt_dflt");
    byte[] other = body("evt_dflt2");
    Notification n = verifier.verify(headers("evt_dflt", body), body);
    Notification m = verifier.verify(headers("evt_dflt2", other), other);
    clock.advance(Duration.ofMinutes(4));
    verifier.complete(n);
    verifier.complete(m);
    clock.advance(Duration.ofMinutes(10));
    assertEquals(
        Reason.ALREADY_PROCESSED, reasonOf(() -> verifier.verify(retry("evt_dflt", body), body)));
    // With signing secrets at least until the end of the second twice the tolerance (5 min) after
    // completion: 10 min 1 s (InProgressReplayReviewTest).
    clock.advance(Duration.ofSeconds(1).plusMillis(1));
    // Not retried in between (a retry answered as processed keeps its id until its window ends).
    assertEquals("evt_dflt2", verifier.verify(retry("evt_dflt2", other), other).id());
  }

  @Test
  void anInProgressIdWhoseProcessorDiedExpiresWithItsReplayWindow() {
    byte[] body = body("evt_dead");
    verifier.verify(headers("evt_dead", body), body); // never completed nor released
    // The window ends with the second at the first attempt's timestamp plus the tolerance.
    clock.advance(Duration.ofSeconds(301));
    assertEquals(
        Reason.IN_PROGRESS, reasonOf(() -> verifier.verify(retry("evt_dead", body), body)));
    clock.advance(Duration.ofMillis(1));
    assertEquals("evt_dead", verifier.verify(retry("evt_dead", body), body).id());
  }

  @Test
  void aReleasedNotificationIsProcessedAgainAndCanThenBeCompleted() {
    byte[] body = body("evt_again");
    Map<String, List<String>> h = headers("evt_again", body);
    verifier.release(verifier.verify(h, body));
    Notification second = verifier.verify(h, body);
    verifier.complete(second);
    assertEquals(Reason.ALREADY_PROCESSED, reasonOf(() -> verifier.verify(h, body)));
  }

  @Test
  void ofConcurrentRetriesOfACompletedNotificationNoneIsProcessed() throws Exception {
    byte[] body = body("evt_cd");
    Map<String, List<String>> h = headers("evt_cd", body);
    verifier.complete(verifier.verify(h, body));
    List<Object> outcomes = runConcurrently(16, i -> verifier.verify(h, body));
    assertTrue(
        outcomes.stream()
            .allMatch(
                o ->
                    o instanceof WebhookVerificationException e
                        && e.reason() == Reason.ALREADY_PROCESSED),
        outcomes.toString());
  }

  @Test
  void theSameRequestTwiceIsReplayed() {
    byte[] body = body("evt_r");
    Map<String, List<String>> h = headers("evt_r", body);
    verifier.verify(h, body);
    assertEquals(Reason.IN_PROGRESS, reasonOf(() -> verifier.verify(h, body)));
    clock.advance(Duration.ofSeconds(301));
    assertEquals(
        Reason.TIMESTAMP_TOO_OLD,
        reasonOf(() -> verifier.verify(h, body)),
        "once the guard forgets the id, the timestamp check refuses the request");
  }

  @Test
  void aReplayInTheLastFractionOfTheWindowIsStillRefused() {
    byte[] body = body("evt_edge");
    Map<String, List<String>> h = headers("evt_edge", body);
    verifier.verify(h, body);
    clock.advance(Duration.ofMillis(300_999));
    assertEquals(Reason.IN_PROGRESS, reasonOf(() -> verifier.verify(h, body)));
    clock.advance(Duration.ofMillis(1));
    assertEquals(Reason.TIMESTAMP_TOO_OLD, reasonOf(() -> verifier.verify(h, body)));
  }

  @Test
  void unauthenticatedRequestsCannotPoisonTheReplayGuard() {
    byte[] body = body("evt_p");
    Map<String, List<String>> forgedSignature = headers("evt_p", body);
    forgedSignature.put("webhook-signature", List.of(sign(OTHER_SECRET, "evt_p", 1, body)));
    assertEquals(Reason.INVALID_SIGNATURE, reasonOf(() -> verifier.verify(forgedSignature, body)));
    Map<String, List<String>> wrongKey = headers("evt_p", body);
    wrongKey.put("Authorization", List.of("Bearer " + OTHER_API_KEY));
    assertEquals(Reason.INVALID_API_KEY, reasonOf(() -> verifier.verify(wrongKey, body)));
    Map<String, List<String>> stale = headers("evt_p", body);
    stale.put("webhook-timestamp", List.of(Long.toString(NOW.getEpochSecond() - 3600)));
    assertEquals(Reason.TIMESTAMP_TOO_OLD, reasonOf(() -> verifier.verify(stale, body)));

    assertEquals("evt_p", verifier.verify(headers("evt_p", body), body).id());
  }

  @Test
  void aMalformedBodyDoesNotUseUpItsId() {
    byte[] bad = "{\"id\":\"evt_x\"}".getBytes(StandardCharsets.UTF_8);
    assertEquals(
        Reason.MALFORMED_BODY, reasonOf(() -> verifier.verify(headers("evt_x", bad), bad)));
    byte[] good = body("evt_x");
    assertEquals("evt_x", verifier.verify(headers("evt_x", good), good).id());
  }

  @Test
  void aReleasedNotificationIsAcceptedAgain() {
    byte[] body = body("evt_rel");
    Map<String, List<String>> h = headers("evt_rel", body);
    Notification n = verifier.verify(h, body);
    verifier.release(n);
    assertEquals("evt_rel", verifier.verify(h, body).id());
  }

  @Test
  void ofConcurrentIdenticalRequestsExactlyOneIsAccepted() throws Exception {
    byte[] body = body("evt_c");
    Map<String, List<String>> h = headers("evt_c", body);
    List<Object> outcomes = runConcurrently(16, i -> verifier.verify(h, body));
    long accepted = outcomes.stream().filter(o -> o instanceof Notification).count();
    long inProgress =
        outcomes.stream()
            .filter(
                o ->
                    o instanceof WebhookVerificationException e && e.reason() == Reason.IN_PROGRESS)
            .count();
    assertEquals(1, accepted, outcomes.toString());
    assertEquals(15, inProgress, outcomes.toString());
  }

  @Test
  void concurrentDistinctRequestsAreAllAccepted() throws Exception {
    List<Object> outcomes =
        runConcurrently(
            16,
            i -> {
              String id = "evt_d" + i;
              byte[] body = body(id);
              return verifier.verify(headers(id, body), body);
            });
    assertTrue(outcomes.stream().allMatch(o -> o instanceof Notification), outcomes.toString());
  }

  /** Headers of the sender's retry of {@code id}: the same body, signed at the clock's now. */
  private Map<String, List<String>> retry(String id, byte[] body) {
    long ts = clock.instant().getEpochSecond();
    return Requests.headers(API_KEY, id, Long.toString(ts), sign(SECRET, id, ts, body));
  }

  // ---- API key only

  @Test
  void withApiKeysOnlyTheSignatureHeadersAreOptionalAndTheIdIsStillGuarded() {
    WebhookVerifier keyOnly =
        WebhookVerifier.builder().apiKey(API_KEY).allowUnsignedNotifications().clock(clock).build();
    assertFalse(keyOnly.checksSignatures());
    byte[] body = body("evt_k");
    Map<String, List<String>> h = new HashMap<>();
    h.put("authorization", List.of("Bearer " + API_KEY));
    assertEquals("evt_k", keyOnly.verify(h, body).id());
    assertEquals("evt_k", keyOnly.verify(h, body).id(), "no webhook-id: no replay protection");

    h.put("webhook-id", List.of("evt_k"));
    assertEquals("evt_k", keyOnly.verify(h, body).id());
    assertEquals(Reason.IN_PROGRESS, reasonOf(() -> keyOnly.verify(h, body)));
    clock.advance(Duration.ofSeconds(301));
    assertEquals("evt_k", keyOnly.verify(h, body).id(), "remembered for the tolerance");

    h.remove("webhook-id");
    Notification unguarded = keyOnly.verify(h, body);
    keyOnly.complete(unguarded);
    h.put("webhook-id", List.of("evt_k"));
    assertEquals(Reason.IN_PROGRESS, reasonOf(() -> keyOnly.verify(h, body)), "complete ignored");

    h.put("webhook-id", List.of("evt_other"));
    assertEquals(Reason.MALFORMED_BODY, reasonOf(() -> keyOnly.verify(h, body)));
    h.remove("authorization");
    assertEquals(Reason.MISSING_API_KEY, reasonOf(() -> keyOnly.verify(h, body)));
  }

  // ---- secrets never leak

  @Test
  void noMessageOrToStringContainsASecret() {
    List<String> texts = new ArrayList<>();
    byte[] body = body("evt_s");
    String signature = Requests.values(headers("evt_s", body), "webhook-signature").get(0);
    List<Map<String, List<String>>> bad = new ArrayList<>();
    for (String auth :
        List.of(
            "Bearer " + OTHER_API_KEY,
            "Basic " + API_KEY,
            "Bearer " + API_KEY + "x",
            "bearer " + "k".repeat(5000))) {
      Map<String, List<String>> h = headers("evt_s", body);
      h.put("Authorization", List.of(auth));
      bad.add(h);
    }
    Map<String, List<String>> wrongSig = headers("evt_s", body);
    wrongSig.put("webhook-signature", List.of(sign(OTHER_SECRET, "evt_s", 1, body)));
    bad.add(wrongSig);
    Map<String, List<String>> dupSig = headers("evt_s", body);
    Requests.values(dupSig, "webhook-signature").add(signature);
    bad.add(dupSig);
    Map<String, List<String>> longSig = headers("evt_s", body);
    longSig.put("webhook-signature", List.of(signature + " " + "v1,A".repeat(5000)));
    bad.add(longSig);
    for (Map<String, List<String>> h : bad) {
      texts.add(
          assertThrows(WebhookVerificationException.class, () -> verifier.verify(h, body))
              .getMessage());
    }
    for (String secret : List.of("nowhsec", "whsec_!!!", "whsec_AAAA")) {
      texts.add(
          assertThrows(
                  IllegalArgumentException.class,
                  () -> WebhookVerifier.builder().signingSecret(secret))
              .getMessage());
    }
    texts.add(
        assertThrows(
                IllegalArgumentException.class, () -> WebhookVerifier.builder().apiKey("a b c"))
            .getMessage());
    texts.add(verifier.toString());
    texts.add(VerifyingHandler.create(verifier, n -> {}).toString());

    List<String> secrets =
        List.of(
            API_KEY,
            OTHER_API_KEY,
            SECRET,
            SECRET.substring(6),
            OTHER_SECRET.substring(6),
            signature,
            signature.substring(3),
            "a b c",
            "!!!",
            "AAAA");
    for (String text : texts) {
      for (String secret : secrets) {
        assertFalse(text.contains(secret), () -> "leaks a secret: " + text);
      }
    }
  }

  // ---- builder

  @Test
  void builderRefusesBadConfiguration() {
    assertThrows(IllegalStateException.class, () -> WebhookVerifier.builder().build());
    WebhookVerifier.Builder b = WebhookVerifier.builder();
    assertThrows(IllegalArgumentException.class, () -> b.apiKey(""));
    assertThrows(IllegalArgumentException.class, () -> b.apiKey("k".repeat(1025)));
    assertThrows(IllegalArgumentException.class, () -> b.signingSecret(SECRET.substring(6)));
    assertThrows(IllegalArgumentException.class, () -> b.signingSecret("whsec_" + "A".repeat(20)));
    assertThrows(IllegalArgumentException.class, () -> b.signingSecret("whsec_" + "A".repeat(100)));
    assertThrows(IllegalArgumentException.class, () -> b.timestampTolerance(Duration.ZERO));
    assertThrows(
        IllegalArgumentException.class, () -> b.timestampTolerance(Duration.ofMillis(999)));
    assertThrows(IllegalArgumentException.class, () -> b.timestampTolerance(Duration.ofDays(2)));
    assertThrows(IllegalArgumentException.class, () -> b.maxBodyBytes(0));
    assertThrows(IllegalArgumentException.class, () -> b.maxBodyBytes(65 << 20));
    assertThrows(IllegalArgumentException.class, () -> b.replayGuardSize(0));
    assertThrows(IllegalArgumentException.class, () -> b.rememberProcessedFor(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> b.rememberProcessedFor(Duration.ofDays(8)));
    assertThrows(IllegalArgumentException.class, () -> ReplayGuard.inMemory(clock, 0));
    String message =
        String.valueOf(
            assertThrows(IllegalStateException.class, () -> WebhookVerifier.builder().build())
                .getMessage());
    assertTrue(message.contains("apiKey"), message);
  }

  @Test
  void aVerifierWithoutASigningSecretIsRefusedUnlessUnsignedNotificationsAreAllowed() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> WebhookVerifier.builder().apiKey(API_KEY).build());
    assertTrue(e.getMessage().contains("signingSecret"), e.getMessage());
    assertTrue(e.getMessage().contains("allowUnsignedNotifications()"), e.getMessage());
    assertFalse(e.getMessage().contains(API_KEY), "no secret in the message");
    assertFalse(
        WebhookVerifier.builder()
            .apiKey(API_KEY)
            .allowUnsignedNotifications()
            .build()
            .checksSignatures());
    assertTrue(
        WebhookVerifier.builder()
            .apiKey(API_KEY)
            .allowUnsignedNotifications()
            .signingSecret(SECRET)
            .build()
            .checksSignatures(),
        "a secret added wins");
    assertNotEquals(
        WebhookVerifier.DEFAULT_TOLERANCE, Duration.ZERO, "defaults are documented constants");
  }

  private static List<Object> runConcurrently(int threads, ThrowingTask task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Object>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        int n = i;
        Callable<Object> call =
            () -> {
              start.await();
              try {
                return task.run(n);
              } catch (WebhookVerificationException e) {
                return e;
              }
            };
        futures.add(pool.submit(call));
      }
      start.countDown();
      List<Object> out = new ArrayList<>();
      for (Future<Object> f : futures) {
        out.add(f.get(30, TimeUnit.SECONDS));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  @FunctionalInterface
  interface ThrowingTask {
    Object run(int i);
  }
}
