package dev.hookline.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.receiver.internal.StandardWebhooksSignature;
import dev.hookline.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The public Standard Webhooks test vector, through the signature layer and the whole verifier. */
class StandardWebhooksVectorTest {
  static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  static final String ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  static final long TIMESTAMP = 1614265330L;
  static final byte[] BODY = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
  static final String SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

  @Test
  void vectorSignatureMatches() {
    StandardWebhooksSignature signature = StandardWebhooksSignature.forSecrets(List.of(SECRET));
    assertTrue(signature.matches(ID, Long.toString(TIMESTAMP), BODY, SIGNATURE));
    assertTrue(
        signature.matches(ID, Long.toString(TIMESTAMP), BODY, "v1,bm90IGl0 " + SIGNATURE),
        "any signature of a space-separated list may match");
  }

  @Test
  void vectorSignatureDoesNotMatchAChangedRequest() {
    StandardWebhooksSignature signature = StandardWebhooksSignature.forSecrets(List.of(SECRET));
    String ts = Long.toString(TIMESTAMP);
    assertFalse(signature.matches(ID + "x", ts, BODY, SIGNATURE));
    assertFalse(signature.matches(ID, Long.toString(TIMESTAMP + 1), BODY, SIGNATURE));
    assertFalse(
        signature.matches(
            ID, ts, "{\"test\": 2432232315}".getBytes(StandardCharsets.UTF_8), SIGNATURE));
    assertFalse(signature.matches(ID, ts, BODY, "v2," + SIGNATURE.substring(3)));
  }

  /**
   * The whole verifier passes every authentication check on the vector (the replay guard, which is
   * consulted only after the key, timestamp and signature checks, sees the id), then refuses the
   * body because the vector's body is not a Hookline notification.
   */
  @ParameterizedTest
  @ValueSource(longs = {-300, -299, 0, 299, 300})
  void vectorVerifiesWithinTolerance(long clockOffsetSeconds) {
    RecordingGuard guard = new RecordingGuard();
    WebhookVerifier verifier = verifier(clockOffsetSeconds, guard);
    WebhookVerificationException e =
        assertThrows(WebhookVerificationException.class, () -> verifier.verify(headers(), BODY));
    assertEquals(Reason.MALFORMED_BODY, e.reason(), e.getMessage());
    assertEquals(List.of(ID), guard.marked, "authenticated, then checked for replay");
  }

  @Test
  void vectorIsTooOldAt301SecondsAfter() {
    RecordingGuard guard = new RecordingGuard();
    WebhookVerificationException e =
        assertThrows(
            WebhookVerificationException.class, () -> verifier(301, guard).verify(headers(), BODY));
    assertEquals(Reason.TIMESTAMP_TOO_OLD, e.reason());
    assertTrue(guard.marked.isEmpty());
  }

  @Test
  void vectorIsInTheFutureAt301SecondsBefore() {
    RecordingGuard guard = new RecordingGuard();
    WebhookVerificationException e =
        assertThrows(
            WebhookVerificationException.class,
            () -> verifier(-301, guard).verify(headers(), BODY));
    assertEquals(Reason.TIMESTAMP_IN_FUTURE, e.reason());
    assertTrue(guard.marked.isEmpty());
  }

  private static WebhookVerifier verifier(long clockOffsetSeconds, ReplayGuard guard) {
    return WebhookVerifier.builder()
        .apiKey(Requests.API_KEY)
        .signingSecret(SECRET)
        .clock(ManualClock.at(Instant.ofEpochSecond(TIMESTAMP + clockOffsetSeconds)))
        .replayGuard(guard)
        .build();
  }

  private static Map<String, List<String>> headers() {
    return Requests.headers(Requests.API_KEY, ID, Long.toString(TIMESTAMP), SIGNATURE);
  }

  /** A guard that accepts everything and records what it was asked. */
  static final class RecordingGuard implements ReplayGuard {
    final List<String> marked = new CopyOnWriteArrayList<>();
    final List<String> forgotten = new ArrayList<>();

    @Override
    public State begin(String webhookId, Instant until) {
      marked.add(webhookId);
      return State.NEW;
    }

    @Override
    public void complete(String webhookId, Instant until) {}

    @Override
    public synchronized void abandon(String webhookId) {
      forgotten.add(webhookId);
    }
  }
}
