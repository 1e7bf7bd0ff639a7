package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.Poll;
import dev.hookline.testing.RecordingReceiver;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Review round 6: {@code Dispatcher.close()} while the database does not answer. docs/production.md
 * bounds it by {@code shutdownTimeout} + 5 s (and the change feed's 5 s). Deliveries claimed and
 * waiting behind an endpoint's busy slot are handed back one by one on the closing thread; with the
 * database gone each hand-back waits for the pool's connection timeout, so close() took one
 * connection timeout per queued delivery (up to 64 per endpoint): minutes with HikariCP's 30 s.
 * Nothing needs those hand-backs: the leases expire and the deliveries are claimed again.
 */
class CloseWhileDatabaseDownReviewTest {
  private static final String SCHEMA = "close_db_down";
  private static final SimpleConnectionPool ADMIN =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 2);

  /** Instance's shutdownTimeout. */
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);

  @AfterAll
  static void dropSchema() {
    EmbeddedDb.dropSchema(ADMIN, SCHEMA);
    ADMIN.close();
  }

  @Test
  void closeEndsWithinItsBoundWhileTheDatabaseIsUnreachable() throws Exception {
    EmbeddedDb.store(ADMIN, SCHEMA);
    EmbeddedDb.truncate(ADMIN, SCHEMA);
    ManualClock clock = ManualClock.at(Instant.parse("2026-12-02T00:00:00Z"));
    SimpleConnectionPool pool = SimpleConnectionPool.of(EmbeddedDb.dataSource(), 12);
    OutageDataSource db = new OutageDataSource(pool);
    try (RecordingReceiver receiver = RecordingReceiver.start()) {
      receiver.hold();
      Instance app =
          new Instance(pool, EmbeddedDb.store(db, SCHEMA), clock, 64, 1, Duration.ofSeconds(10));
      try {
        for (int i = 0; i < 3; i++) {
          Webhook unused = app.receivingWebhook(receiver.url("/hook" + i));
        }
        // Each endpoint: one attempt in its slot (held), five claimed deliveries queued behind it:
        // 6, which claims bring whether they refill endpoints in batches (of half the slot and
        // queue, 9 here) or to the brim.
        for (int n = 0; n < 6; n++) {
          app.dispatcher.publish(
              Event.builder(UserEvents.CREATED)
                  .id("evt_" + n)
                  .occurredAt(clock.instant())
                  .user("u" + n)
                  .build());
        }
        Poll.until(Duration.ofSeconds(20), () -> receiver.heldRequests() == 3, "3 attempts held");
        EmbeddedDb.awaitInFlight(ADMIN, SCHEMA, 18);
        // The claim round that took the last leases may still be handing them to their endpoints
        // (on the scheduler's thread: the held attempts start no rounds). close() would hand back
        // each one it has not reached, one connection timeout apiece while the database is down:
        // wait until a task queued behind that round has run.
        app.scheduler.submit(() -> {}).get(20, TimeUnit.SECONDS);

        db.down(1_000); // every borrow now waits the pool's timeout (1 s here), then fails

        long start = System.nanoTime();
        app.dispatcher.close();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        Duration bound = SHUTDOWN_TIMEOUT.plusSeconds(5).plusSeconds(5);
        assertTrue(
            took.compareTo(bound) <= 0,
            "close() took "
                + took
                + " with the database unreachable, beyond shutdownTimeout + 5 s (+ 5 s for the"
                + " change feed) = "
                + bound
                + "; borrows refused meanwhile: "
                + db.refused.get());
      } finally {
        db.up();
        receiver.release();
        app.close();
      }
    }
  }
}
