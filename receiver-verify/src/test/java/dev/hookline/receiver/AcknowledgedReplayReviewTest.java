package dev.hookline.receiver;

import static dev.hookline.receiver.Requests.API_KEY;
import static dev.hookline.receiver.Requests.NOW;
import static dev.hookline.receiver.Requests.SECRET;
import static dev.hookline.receiver.Requests.body;
import static dev.hookline.receiver.Requests.sign;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hookline.receiver.ReplayGuard.State;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Nineteenth review round. docs/receiving.md says the replay guard protects against "an attacker
 * replaying a captured request within the tolerance window" and that "the entry of an id lasts at
 * least until the end of the second at its timestamp plus the tolerance". That held for the request
 * that was processed, but not for a later request of the same id answered {@code
 * ALREADY_PROCESSED}: the sender's retry carries a fresh timestamp, so its own replay window ends
 * later than the first request's, and the processed entry (the longer of the first request's window
 * and {@code rememberProcessedFor} after processing) could end before it. A copy of that retry,
 * replayed after the entry ended and still within its tolerance, was processed again.
 */
class AcknowledgedReplayReviewTest {
  private final ManualClock clock = ManualClock.at(NOW);

  /** A request signed now, as the sender signs each attempt. */
  private Map<String, List<String>> signedNow(String id, byte[] body) {
    long ts = clock.instant().getEpochSecond();
    return Requests.headers(API_KEY, id, Long.toString(ts), sign(SECRET, id, ts, body));
  }

  private static Reason reasonOf(WebhookVerifier v, Map<String, List<String>> h, byte[] body) {
    return assertThrows(WebhookVerificationException.class, () -> v.verify(h, body)).reason();
  }

  /**
   * Defaults (tolerance 5 min, processed ids remembered 10 min): the sender's retry arrives 6
   * minutes after processing (its earlier attempts were lost on the way), is acknowledged, and is
   * replayed 4 minutes later, still within its tolerance, after the entry's 10 minutes.
   */
  @Test
  void aLateRetryAcknowledgedAsProcessedCannotBeReplayedWithinItsWindow() {
    WebhookVerifier v =
        WebhookVerifier.builder().apiKey(API_KEY).signingSecret(SECRET).clock(clock).build();
    byte[] body = body("evt_late");
    v.complete(v.verify(signedNow("evt_late", body), body));

    clock.advance(Duration.ofMinutes(6));
    Map<String, List<String>> retry = signedNow("evt_late", body);
    assertEquals(Reason.ALREADY_PROCESSED, reasonOf(v, retry, body));

    clock.advance(Duration.ofMinutes(4).plusSeconds(2)); // 10 min 2 s after processing
    assertEquals(
        Reason.ALREADY_PROCESSED,
        reasonOf(v, retry, body),
        "a replay of the acknowledged retry, 4 min 2 s after it was signed, is not processed");
  }

  /**
   * A listener that remembers processed ids for 1 minute (less than the 5-minute tolerance): the
   * retry acknowledged 50 s after the first attempt can be replayed once the first attempt's window
   * has ended.
   */
  @Test
  void withAShortRememberProcessedForAnAcknowledgedRetryCannotBeReplayed() {
    WebhookVerifier v =
        WebhookVerifier.builder()
            .apiKey(API_KEY)
            .signingSecret(SECRET)
            .clock(clock)
            .rememberProcessedFor(Duration.ofMinutes(1))
            .build();
    byte[] body = body("evt_short");
    v.complete(v.verify(signedNow("evt_short", body), body));

    clock.advance(Duration.ofSeconds(50));
    Map<String, List<String>> retry = signedNow("evt_short", body);
    assertEquals(Reason.ALREADY_PROCESSED, reasonOf(v, retry, body));

    clock.advance(Duration.ofMinutes(5)); // the first attempt's window has ended; the retry's not
    assertEquals(Reason.ALREADY_PROCESSED, reasonOf(v, retry, body));

    clock.advance(Duration.ofSeconds(2)); // now the retry is stale too
    assertEquals(Reason.TIMESTAMP_TOO_OLD, reasonOf(v, retry, body));
  }

  /** The in-memory guard keeps a processed entry at least until the until of a later begin. */
  @Test
  void theInMemoryGuardKeepsAProcessedEntryUntilTheLaterUntilOfABegin() {
    ReplayGuard guard = ReplayGuard.inMemory(clock, 10);
    Instant t = clock.instant();
    assertEquals(State.NEW, guard.begin("evt_g", t.plusSeconds(300)));
    guard.complete("evt_g", t.plusSeconds(60));
    assertEquals(State.DONE, guard.begin("evt_g", t.plusSeconds(400)));
    assertEquals(State.DONE, guard.begin("evt_g", t.plusSeconds(100)), "never shortened");
    clock.set(t.plusSeconds(400));
    assertEquals(State.DONE, guard.begin("evt_g", t.plusSeconds(500)));
    clock.set(t.plusSeconds(500).plusMillis(1));
    assertEquals(State.NEW, guard.begin("evt_g", t.plusSeconds(800)), "ends at the latest until");
  }
}
