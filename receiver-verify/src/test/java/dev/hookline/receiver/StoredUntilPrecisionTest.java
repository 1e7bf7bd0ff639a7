package dev.hookline.receiver;

import static dev.hookline.receiver.Requests.API_KEY;
import static dev.hookline.receiver.Requests.NOW;
import static dev.hookline.receiver.Requests.SECRET;
import static dev.hookline.receiver.Requests.body;
import static dev.hookline.receiver.Requests.sign;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hookline.testing.ManualClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A shared guard built as docs/receiving.md describes for SQL ({@code abandon(id, until)} is a
 * {@code DELETE ... WHERE id = ? AND state = 'IN_PROGRESS' AND until = ?}) keeps {@code until} at
 * its column's precision. The verifier's {@code until} came from the clock with nanoseconds, so the
 * stored value never equalled it again: a failed run's release removed nothing, and the sender's
 * retry was refused as in progress until the entry expired (the tolerance, 5 minutes).
 */
class StoredUntilPrecisionTest {
  // A listener clock with sub-second digits, as Clock.systemUTC() has.
  private final ManualClock clock = ManualClock.at(NOW.plusNanos(123_456_789));

  /** The docs' SQL guard on a column that keeps milliseconds ({@code timestamp(3)}). */
  static final class MillisecondColumnGuard implements ReplayGuard {
    private record Row(State state, Instant until) {}

    private final Clock clock;
    private final Map<String, Row> rows = new HashMap<>();

    MillisecondColumnGuard(Clock clock) {
      this.clock = clock;
    }

    private static Instant column(Instant until) {
      return until.truncatedTo(ChronoUnit.MILLIS);
    }

    @Override
    public synchronized State begin(String id, Instant until) {
      Row row = rows.get(id);
      if (row == null || row.until().isBefore(clock.instant())) {
        rows.put(id, new Row(State.IN_PROGRESS, column(until)));
        return State.NEW;
      }
      return row.state();
    }

    @Override
    public synchronized void complete(String id, Instant until) {
      rows.put(id, new Row(State.DONE, column(until)));
    }

    @Override
    public synchronized void abandon(String id) {
      rows.remove(id);
    }

    @Override
    public synchronized void abandon(String id, Instant until) {
      // WHERE id = ? AND state = 'IN_PROGRESS' AND until = ?: the column against the parameter.
      Row row = rows.get(id);
      if (row != null && row.state() == State.IN_PROGRESS && row.until().equals(until)) {
        rows.remove(id);
      }
    }
  }

  @Test
  void aReleasedRequestThatArrivedAfterItsSecondIsProcessedOnRetryWithAStoreKeepingMilliseconds() {
    WebhookVerifier verifier =
        WebhookVerifier.builder()
            .apiKey(API_KEY)
            .signingSecret(SECRET)
            .clock(clock)
            .replayGuard(new MillisecondColumnGuard(clock))
            .build();
    byte[] body = body("evt_p");
    long sentAt = NOW.getEpochSecond() - 10; // 10 s on the way, or the clocks 10 s apart
    Notification first = verifier.verify(signed("evt_p", sentAt, body), body);
    verifier.release(first); // the application failed: answer 500, the sender retries
    clock.advance(Duration.ofSeconds(5));
    long retriedAt = clock.instant().getEpochSecond();
    assertEquals(
        "evt_p",
        verifier.verify(signed("evt_p", retriedAt, body), body).id(),
        "the release freed the id, so the retry is processed");
  }

  @Test
  void aReleasedApiKeyOnlyRequestIsProcessedOnRetryWithAStoreKeepingMilliseconds() {
    WebhookVerifier keyOnly =
        WebhookVerifier.builder()
            .apiKey(API_KEY)
            .allowUnsignedNotifications()
            .clock(clock)
            .replayGuard(new MillisecondColumnGuard(clock))
            .build();
    byte[] body = body("evt_k");
    Map<String, List<String>> h = new HashMap<>();
    h.put("authorization", List.of("Bearer " + API_KEY));
    h.put("webhook-id", List.of("evt_k"));
    keyOnly.release(keyOnly.verify(h, body));
    clock.advance(Duration.ofSeconds(5));
    assertEquals("evt_k", keyOnly.verify(h, body).id(), "the release freed the id");
  }

  private static Map<String, List<String>> signed(String id, long timestamp, byte[] body) {
    return Requests.headers(
        API_KEY, id, Long.toString(timestamp), sign(SECRET, id, timestamp, body));
  }
}
