package dev.hookline.receiver;

import static dev.hookline.receiver.Requests.API_KEY;
import static dev.hookline.receiver.Requests.NOW;
import static dev.hookline.receiver.Requests.SECRET;
import static dev.hookline.receiver.Requests.body;
import static dev.hookline.receiver.Requests.sign;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Twentieth review round. A retry of a notification that arrives while the first request is still
 * being processed is answered {@code IN_PROGRESS} (409). It is signed afresh, so its own replay
 * window (its timestamp plus the tolerance) ends later than the first request's, by up to twice the
 * tolerance after it arrived when the sender's clock is ahead. The processed entry lived for the
 * longer of the first request's window and {@code rememberProcessedFor}: with a {@code
 * rememberProcessedFor} under about twice the tolerance it could end first, and a copy of that
 * retry, replayed after it ended and still within its window, was processed again. The processed
 * entry now lasts at least until the end of the second twice the tolerance after processing, which
 * covers the window of every request answered in progress before it.
 */
class InProgressReplayReviewTest {
  private final ManualClock clock = ManualClock.at(NOW);

  private Map<String, List<String>> signedAt(String id, long timestamp, byte[] body) {
    return Requests.headers(
        API_KEY, id, Long.toString(timestamp), sign(SECRET, id, timestamp, body));
  }

  private static Reason reasonOf(WebhookVerifier v, Map<String, List<String>> h, byte[] body) {
    return assertThrows(WebhookVerificationException.class, () -> v.verify(h, body)).reason();
  }

  /**
   * Processed ids remembered 1 minute, tolerance 5 minutes: the retry answered 409 30 s after the
   * first request is replayed 5 min 20 s after the first request, after the processed entry ended
   * (the first request's window) and within its own window.
   */
  @Test
  void aRetryAnsweredInProgressCannotBeReplayedAfterAShortProcessedEntry() {
    WebhookVerifier v =
        WebhookVerifier.builder()
            .apiKey(API_KEY)
            .signingSecret(SECRET)
            .clock(clock)
            .rememberProcessedFor(Duration.ofMinutes(1))
            .build();
    byte[] body = body("evt_busy");
    Notification first = v.verify(signedAt("evt_busy", NOW.getEpochSecond(), body), body);

    clock.advance(Duration.ofSeconds(30));
    Map<String, List<String>> retry = signedAt("evt_busy", NOW.getEpochSecond() + 30, body);
    assertEquals(Reason.IN_PROGRESS, reasonOf(v, retry, body));

    clock.advance(Duration.ofSeconds(10));
    v.complete(first);

    clock.set(NOW.plusSeconds(320)); // the first request's window has ended; the retry's has not
    assertEquals(
        Reason.ALREADY_PROCESSED,
        reasonOf(v, retry, body),
        "a copy of the retry answered 409, replayed within its window, is not processed again");

    clock.set(NOW.plusSeconds(331)); // now the retry is stale
    assertEquals(Reason.TIMESTAMP_TOO_OLD, reasonOf(v, retry, body));
  }

  /**
   * Defaults (tolerance 5 min, processed ids remembered 10 min), a sender whose clock runs the
   * tolerance ahead: the retry answered 409 carries a timestamp 300 s ahead, so its window ends 10
   * min 1 s after it arrived, and the processed entry, 10 min after processing within the same
   * second, ended before it.
   */
  @Test
  void withTheDefaultsARetryAnsweredInProgressFromASenderClockAheadCannotBeReplayed() {
    WebhookVerifier v =
        WebhookVerifier.builder().apiKey(API_KEY).signingSecret(SECRET).clock(clock).build();
    byte[] body = body("evt_ahead");
    long ahead = NOW.getEpochSecond() + 299;
    Notification first = v.verify(signedAt("evt_ahead", ahead, body), body);

    clock.advance(Duration.ofMillis(200));
    Map<String, List<String>> retry = signedAt("evt_ahead", ahead + 1, body);
    assertEquals(Reason.IN_PROGRESS, reasonOf(v, retry, body));

    clock.advance(Duration.ofMillis(300));
    v.complete(first);

    clock.set(NOW.plusSeconds(600).plusMillis(700)); // the retry's window ends at NOW + 601 s
    assertEquals(Reason.ALREADY_PROCESSED, reasonOf(v, retry, body));
  }
}
