package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.Poll;
import dev.hookline.testing.RecordingReceiver;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Review round 6: logs while the database is down. Deliveries already claimed (in their endpoints'
 * slots and queued behind them) are still sent, and none of their successes can be recorded: each
 * logged an ERROR with a full stack trace, one per delivery (with the defaults, up to 64 queued per
 * endpoint and 1,000 in flight: thousands of stack traces for one outage), where an outage should
 * read as one line when it starts (as the claim loop's does) and the rest at DEBUG.
 */
class OutageLogFloodReviewTest {
  private static final String SCHEMA = "outage_log_flood";
  private static final SimpleConnectionPool ADMIN =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 2);

  @AfterAll
  static void dropSchema() {
    EmbeddedDb.dropSchema(ADMIN, SCHEMA);
    ADMIN.close();
  }

  @Test
  void successesThatCannotBeRecordedDuringAnOutageAreNotLoggedOneByOne() throws Exception {
    EmbeddedDb.store(ADMIN, SCHEMA);
    EmbeddedDb.truncate(ADMIN, SCHEMA);
    ManualClock clock = ManualClock.at(Instant.parse("2026-12-02T00:00:00Z"));
    SimpleConnectionPool pool = SimpleConnectionPool.of(EmbeddedDb.dataSource(), 12);
    OutageDataSource db = new OutageDataSource(pool);
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream originalErr = System.err;
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
        // Claiming goes on in rounds after the first attempts are held: wait for all 18 leases, or
        // the outage below would leave some in the store, never sent.
        EmbeddedDb.awaitInFlight(ADMIN, SCHEMA, 18);

        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        db.down(0); // the database refuses every new borrow
        receiver.release();
        Poll.until(
            Duration.ofSeconds(30),
            () -> receiver.requests().size() == 18,
            () -> "all 18 claimed deliveries sent: " + receiver.requests().size());
        Poll.until(
            Duration.ofSeconds(30), () -> app.dispatcher.toString().contains("busy=0"), "settled");
      } finally {
        System.setErr(originalErr);
        db.up();
        app.close();
      }
    }
    List<String> lines =
        captured
            .toString(StandardCharsets.UTF_8)
            .lines()
            .filter(l -> l.contains(" ERROR ") || l.contains(" WARN "))
            .collect(Collectors.toList());
    assertTrue(
        lines.size() <= 5,
        () ->
            "one outage, 18 deliveries: "
                + lines.size()
                + " ERROR/WARN lines (each with its stack trace):\n"
                + String.join("\n", lines));
  }
}
