package dev.hookline.receiver;

import static dev.hookline.receiver.Requests.API_KEY;
import static dev.hookline.receiver.Requests.NOW;
import static dev.hookline.receiver.Requests.OTHER_API_KEY;
import static dev.hookline.receiver.Requests.SECRET;
import static dev.hookline.receiver.Requests.body;
import static dev.hookline.receiver.Requests.sign;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.testing.ManualClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * docs/receiving.md, "Rotating keys and secrets": "Build a new WebhookVerifier (it is immutable)
 * and swap it in". A verifier built without {@code replayGuard(...)} makes its own in-memory guard,
 * so the swapped-in verifier knows nothing of the notifications the old one processed or is still
 * processing: at every rotation, the sender's retry of a notification processed a moment before (it
 * did not get the 204 in time) is processed a second time, one still being processed runs twice at
 * once, and a captured request can be replayed within its window.
 */
class RotationSwapReviewTest {
  private final ManualClock clock = ManualClock.at(NOW);

  private Map<String, List<String>> signedNow(String id, byte[] body) {
    long ts = clock.instant().getEpochSecond();
    return Requests.headers(API_KEY, id, Long.toString(ts), sign(SECRET, id, ts, body));
  }

  /** What the documented swap does today: the retry is handed to the application again. */
  @Test
  void aVerifierSwappedInWithoutTheOldGuardProcessesARetryAgain() {
    WebhookVerifier before =
        WebhookVerifier.builder().apiKey(API_KEY).signingSecret(SECRET).clock(clock).build();
    byte[] body = body("evt_rot");
    before.complete(before.verify(signedNow("evt_rot", body), body));

    WebhookVerifier after =
        WebhookVerifier.builder()
            .apiKey(API_KEY)
            .apiKey(OTHER_API_KEY)
            .signingSecret(SECRET)
            .clock(clock)
            .build();
    clock.advance(Duration.ofSeconds(3)); // the sender's first retry
    Notification again = after.verify(signedNow("evt_rot", body), body);
    assertEquals("evt_rot", again.id(), "processed a second time");
  }

  /** With one guard passed to both, the retry is acknowledged as processed. */
  @Test
  void aVerifierSwappedInWithTheSameGuardAcknowledgesTheRetry() {
    ReplayGuard guard = ReplayGuard.inMemory(clock, 1000);
    WebhookVerifier before =
        WebhookVerifier.builder()
            .apiKey(API_KEY)
            .signingSecret(SECRET)
            .clock(clock)
            .replayGuard(guard)
            .build();
    byte[] body = body("evt_rot");
    before.complete(before.verify(signedNow("evt_rot", body), body));

    WebhookVerifier after =
        WebhookVerifier.builder()
            .apiKey(API_KEY)
            .apiKey(OTHER_API_KEY)
            .signingSecret(SECRET)
            .clock(clock)
            .replayGuard(guard)
            .build();
    clock.advance(Duration.ofSeconds(3));
    assertEquals(
        Reason.ALREADY_PROCESSED,
        assertThrows(
                WebhookVerificationException.class,
                () -> after.verify(signedNow("evt_rot", body), body))
            .reason());
  }

  /** So the documented rotation must keep the guard. */
  @Test
  void theDocumentedRotationPassesTheSameReplayGuardToTheNewVerifier() throws IOException {
    String docs = Files.readString(Path.of("../docs/receiving.md"), StandardCharsets.UTF_8);
    int from = docs.indexOf("## Rotating keys and secrets");
    String section = docs.substring(from, docs.indexOf("\n## ", from + 3));
    assertTrue(section.contains(".replayGuard("), section);
  }
}
