package dev.hookline.receiver.set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.testing.ManualClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Review round 9: one key in a fetched key set that could not be parsed (a member missing or of the
 * wrong type, coordinates off the curve, an entry that is no JSON object) made nimbus's {@code
 * JWKSet.parse} throw, so the whole set was refused and every token with it ({@code
 * KEY_SET_UNAVAILABLE}): a sender that added one such key broke every receiver. RFC 7517 section 5
 * says such keys SHOULD be ignored. They are now skipped, with one WARN per fetch naming each by
 * index and kid and saying why, and the other keys are used; a set none of whose keys can be read
 * is still a failed fetch.
 */
class UnreadableJwkReviewTest {
  private static final Map<String, List<String>> NO_HEADERS = Map.of();
  private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-02T10:00:00Z"));
  private static ECKey good;
  private static ECKey other;

  @BeforeAll
  static void keys() throws Exception {
    // EC, and not through Tokens, whose RSA keys take seconds to generate on a busy machine
    good = new ECKeyGenerator(Curve.P_256).keyID("good").generate();
    other = new ECKeyGenerator(Curve.P_256).keyID("other").generate();
  }

  /** Entries nimbus cannot parse, each for another reason; the last one is without a kid. */
  private static List<String> unreadable() {
    return List.of(
        // "y" missing
        "{\"kty\":\"EC\",\"kid\":\"no-y\",\"crv\":\"P-256\",\"x\":\"" + other.getX() + "\"}",
        // no JSON object
        "42",
        // x of one key, y of another: not on the curve
        "{\"kty\":\"EC\",\"kid\":\"off-curve\",\"crv\":\"P-256\",\"x\":\""
            + other.getX()
            + "\",\"y\":\""
            + good.getY()
            + "\"}",
        // a member of the wrong type, and no kid
        "{\"kty\":\"RSA\",\"n\":12,\"e\":\"AQAB\"}");
  }

  private static String set(List<String> entries) {
    return "{\"keys\":[" + String.join(",", entries) + "]}";
  }

  private static String withGoodKeyLast() {
    List<String> entries = new ArrayList<>(unreadable());
    entries.add(good.toPublicJWK().toJSONString());
    return set(entries);
  }

  private SecurityEventTokenVerifier verifier(JwksServer server) {
    return SecurityEventTokenVerifier.builder()
        .allowWithoutApiKey()
        .jwksUri(server.uri(), server.client())
        .allowInsecureLoopbackJwksForDevelopment(true) // the test server is http on loopback
        .issuer(Tokens.ISSUER)
        .audience(Tokens.AUDIENCE)
        .clock(clock)
        .jwksCacheFor(Duration.ofMinutes(5))
        .jwksRefetchAtMostEvery(Duration.ofSeconds(30))
        .build();
  }

  private byte[] signedBy(ECKey key, String jti) throws Exception {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.ES256)
                .keyID(key.getKeyID())
                .type(new JOSEObjectType("secevent+jwt"))
                .build(),
            new JWTClaimsSet.Builder()
                .issuer(Tokens.ISSUER)
                .audience(Tokens.AUDIENCE)
                .issueTime(Date.from(clock.instant()))
                .jwtID(jti)
                .claim("events", Map.of("https://example.com/e", Map.of()))
                .build());
    jwt.sign(new ECDSASigner(key));
    return jwt.serialize().getBytes(StandardCharsets.US_ASCII);
  }

  /** What the action returned and what was logged meanwhile (slf4j-simple writes to stderr). */
  private record Logged<T>(T value, String log) {
    List<String> warnings() {
      return log.lines().filter(l -> l.contains("WARN")).toList();
    }
  }

  private static <T> Logged<T> logged(Supplier<T> action) {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.err;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    T value;
    try {
      value = action.get();
    } finally {
      System.setErr(original);
    }
    return new Logged<>(value, captured.toString(StandardCharsets.UTF_8));
  }

  private static void assertNoKeyMaterial(String text) {
    for (String material :
        new String[] {
          other.getX().toString(), good.getX().toString(), good.getY().toString(),
        }) {
      assertFalse(text.contains(material), "key material shown: " + text);
    }
  }

  @Test
  void unreadableKeysAreSkippedWithOneWarningAndTheOthersVerify() throws Exception {
    try (JwksServer server = new JwksServer(withGoodKeyLast())) {
      SecurityEventTokenVerifier v = verifier(server);
      byte[] token = signedBy(good, "evt_1");
      Logged<String> first = logged(() -> v.verify(NO_HEADERS, token).jti());
      assertEquals("evt_1", first.value(), "the readable key verifies");
      assertEquals(1, server.fetches());
      List<String> warnings = first.warnings();
      assertEquals(1, warnings.size(), "one WARN for the fetch: " + first.log());
      String warning = warnings.get(0);
      for (String expected :
          new String[] {
            "keys[0]",
            "\"no-y\"",
            "keys[1]",
            "not a JSON object",
            "keys[2]",
            "\"off-curve\"",
            "curve",
            "keys[3]",
            "(no kid)",
            "member n",
            "RFC 7517",
          }) {
        assertTrue(warning.contains(expected), "no " + expected + " in: " + warning);
      }
      assertFalse(warning.contains("keys[4]"), "the readable key is not named: " + warning);
      assertNoKeyMaterial(first.log());

      // cached: no fetch, no further warning
      byte[] next = signedBy(good, "evt_2");
      Logged<String> second = logged(() -> v.verify(NO_HEADERS, next).jti());
      assertEquals("evt_2", second.value());
      assertEquals(1, server.fetches());
      assertEquals(List.of(), second.warnings());
    }
  }

  @Test
  void aKeyTypeNotUnderstoodIsSkippedAndNamed() throws Exception {
    String json =
        set(
            List.of(
                "{\"kty\":\"ML-DSA\",\"kid\":\"next-gen\",\"pub\":\"AAAA\"}",
                good.toPublicJWK().toJSONString()));
    try (JwksServer server = new JwksServer(json)) {
      SecurityEventTokenVerifier v = verifier(server);
      byte[] token = signedBy(good, "evt_1");
      Logged<String> r = logged(() -> v.verify(NO_HEADERS, token).jti());
      assertEquals("evt_1", r.value());
      assertEquals(1, r.warnings().size(), r.log());
      String warning = r.warnings().get(0);
      assertTrue(
          warning.contains("keys[0]") && warning.contains("\"next-gen\""),
          "the skipped key is named: " + warning);
      assertTrue(warning.contains("kty"), "says why: " + warning);
    }
  }

  @Test
  void aKeyOfTheTokensKidThatIsUnreadableLeavesItUnknown() throws Exception {
    try (JwksServer server = new JwksServer(withGoodKeyLast())) {
      SecurityEventTokenVerifier v = verifier(server);
      ECKey noY = new ECKeyGenerator(Curve.P_256).keyID("no-y").generate();
      byte[] token = signedBy(noY, "evt_1");
      Logged<WebhookVerificationException> r =
          logged(
              () ->
                  assertThrows(
                      WebhookVerificationException.class, () -> v.verify(NO_HEADERS, token)));
      assertEquals(Reason.UNKNOWN_KEY, r.value().reason(), r.value().getMessage());
      assertEquals(1, r.warnings().size(), r.log());
    }
  }

  @Test
  void aSetWithNoReadableKeyIsAFailedFetchAndTheLastGoodOneCarriesOn() throws Exception {
    try (JwksServer server = new JwksServer(set(unreadable()))) {
      SecurityEventTokenVerifier v = verifier(server);
      byte[] token = signedBy(good, "evt_1");
      Logged<WebhookVerificationException> r =
          logged(
              () ->
                  assertThrows(
                      WebhookVerificationException.class, () -> v.verify(NO_HEADERS, token)));
      assertEquals(Reason.KEY_SET_UNAVAILABLE, r.value().reason());
      String message = r.value().getMessage();
      assertTrue(
          message.contains("keys[0]")
              && message.contains("\"no-y\"")
              && message.contains("keys[3]"),
          message);
      assertEquals(1, r.warnings().size(), "one WARN for the fetch: " + r.log());
      assertTrue(r.warnings().get(0).contains("keys[0]"), r.log());
      assertNoKeyMaterial(message + r.log());

      // a good set, then one with no readable key: the last good set is used, as for any failure
      clock.advance(Duration.ofSeconds(30));
      server.publish(set(List.of(good.toPublicJWK().toJSONString())));
      assertEquals("evt_2", v.verify(NO_HEADERS, signedBy(good, "evt_2")).jti());
      server.publish(set(unreadable()));
      clock.advance(Duration.ofMinutes(5)); // the cached set expired
      byte[] later = signedBy(good, "evt_3");
      Logged<String> carried = logged(() -> v.verify(NO_HEADERS, later).jti());
      assertEquals("evt_3", carried.value());
      assertEquals(3, server.fetches());
      assertEquals(1, carried.warnings().size(), carried.log());
      assertTrue(carried.warnings().get(0).contains("Could not refresh"), carried.log());
    }
  }

  @Test
  void anEmptySetIsStillAFetchedSetWithoutTheKey() throws Exception {
    try (JwksServer server = new JwksServer("{\"keys\":[]}")) {
      SecurityEventTokenVerifier v = verifier(server);
      byte[] token = signedBy(good, "evt_1");
      WebhookVerificationException e =
          assertThrows(WebhookVerificationException.class, () -> v.verify(NO_HEADERS, token));
      assertEquals(Reason.UNKNOWN_KEY, e.reason(), "a sender that withdrew every key");
    }
  }
}
