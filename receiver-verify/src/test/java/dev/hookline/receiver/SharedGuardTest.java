package dev.hookline.receiver;

import static dev.hookline.receiver.Requests.API_KEY;
import static dev.hookline.receiver.Requests.NOW;
import static dev.hookline.receiver.Requests.SECRET;
import static dev.hookline.receiver.Requests.body;
import static dev.hookline.receiver.Requests.headers;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hookline.testing.ManualClock;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Two listener instances sharing one {@link ReplayGuard} written the way the SPI's javadoc tells a
 * shared store to do it (one atomic "create if absent or expired" per id, an expiry per entry).
 */
class SharedGuardTest {
  private final ManualClock clock = ManualClock.at(NOW);
  private final ReplayGuard shared = new StoreLikeGuard(clock);
  private final List<String> processedByA = new CopyOnWriteArrayList<>();
  private final List<String> processedByB = new CopyOnWriteArrayList<>();
  private final VerifyingHandler instanceA =
      VerifyingHandler.create(verifier(), n -> processedByA.add(n.id()));
  private final VerifyingHandler instanceB =
      VerifyingHandler.create(verifier(), n -> processedByB.add(n.id()));

  private WebhookVerifier verifier() {
    return WebhookVerifier.builder()
        .apiKey(API_KEY)
        .signingSecret(SECRET)
        .clock(clock)
        .replayGuard(shared)
        .build();
  }

  @Test
  void aRetryThatReachesTheOtherInstanceIsAcknowledgedWithoutProcessing() {
    byte[] body = body("evt_lb");
    assertEquals(204, instanceA.respond("POST", headers("evt_lb", body), body).status());
    assertEquals(200, instanceB.respond("POST", headers("evt_lb", body), body).status());
    assertEquals(List.of("evt_lb"), processedByA);
    assertEquals(List.of(), processedByB);
  }

  @Test
  void aRetryOfAFailureIsProcessedByTheOtherInstance() {
    VerifyingHandler failing =
        VerifyingHandler.create(
            verifier(),
            n -> {
              throw new IllegalStateException("database down");
            });
    byte[] body = body("evt_fail");
    assertEquals(500, failing.respond("POST", headers("evt_fail", body), body).status());
    assertEquals(204, instanceB.respond("POST", headers("evt_fail", body), body).status());
    assertEquals(List.of("evt_fail"), processedByB);
  }

  /** A map standing in for Redis or a table: one entry per id with a state and an expiry. */
  private static final class StoreLikeGuard implements ReplayGuard {
    private record Row(State state, Instant until) {}

    private final Map<String, Row> rows = new ConcurrentHashMap<>();
    private final Clock clock;

    StoreLikeGuard(Clock clock) {
      this.clock = clock;
    }

    @Override
    public State begin(String webhookId, Instant until) {
      Instant now = clock.instant();
      AtomicBoolean created = new AtomicBoolean();
      // "INSERT ... ON CONFLICT DO UPDATE ... WHERE until < now": atomic per id.
      Row live =
          rows.compute(
              webhookId,
              (id, row) -> {
                if (row == null || row.until().isBefore(now)) {
                  created.set(true);
                  return new Row(State.IN_PROGRESS, until);
                }
                return row;
              });
      return created.get() ? State.NEW : live.state();
    }

    @Override
    public void complete(String webhookId, Instant until) {
      rows.put(webhookId, new Row(State.DONE, until));
    }

    @Override
    public void abandon(String webhookId) {
      rows.remove(webhookId);
    }
  }
}
