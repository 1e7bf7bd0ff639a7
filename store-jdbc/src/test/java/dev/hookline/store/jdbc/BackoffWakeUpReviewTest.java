package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.filter.Filters;
import dev.hookline.store.jdbc.internal.WebhookChangeFeed;
import dev.hookline.testing.LoopbackSink;
import dev.hookline.testing.Poll;
import dev.hookline.testing.TestWebhooks;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Review round 6: the claim loop's wake-up after an outage. While claims fail, the loop backs off
 * (up to 30 s) and a claim round asked for meanwhile (a transactional publish's wake-up, the change
 * feed's resync as it reconnects) was dropped, not deferred to the back-off's end: with a long poll
 * interval (README: {@code TransactionalWakeUpTest} polls once an hour and relies on the wake-ups)
 * a publish committed once the database was back waited for the next poll, an hour away.
 */
class BackoffWakeUpReviewTest {
  private static final String SCHEMA = "backoff_wake_up";
  private static final SimpleConnectionPool POOL =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 8);
  private static final AtomicInteger EVENTS = new AtomicInteger();

  @AfterAll
  static void dropSchema() {
    EmbeddedDb.dropSchema(POOL, SCHEMA);
    POOL.close();
  }

  private static Event event() {
    int n = EVENTS.incrementAndGet();
    return Event.builder(UserEvents.CREATED)
        .id("evt_bo_" + n)
        .occurredAt(Instant.parse("2026-12-02T00:00:00Z"))
        .user("user-" + n)
        .data(JsonNodeFactory.instance.objectNode().put("n", n))
        .build();
  }

  private static long listening() {
    try (Connection c = POOL.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE query = ?"
                    + " AND pid <> pg_backend_pid()")) {
      ps.setString(1, "LISTEN \"" + WebhookChangeFeed.channel(SCHEMA) + "\"");
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aWakeUpDuringTheBackOffIsNotLost() throws Exception {
    EmbeddedDb.store(POOL, SCHEMA);
    EmbeddedDb.truncate(POOL, SCHEMA);
    OutageDataSource db = new OutageDataSource(POOL);
    PostgresStore store = EmbeddedDb.store(db, SCHEMA);
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(store)
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    try (LoopbackSink sink = LoopbackSink.recording()) {
      Webhook w =
          registry.create(
              WebhookDefinition.builder()
                  .name("backoff")
                  .uri(sink.uri("/bo"))
                  .apiKey(Instance.API_KEY)
                  .events(UserEvents.CREATED)
                  .build());
      TestWebhooks.markVerified(registry, w.id());
      registry.enable(w.id());
      try (Dispatcher dispatcher =
          Dispatcher.builder()
              .registry(registry)
              .pollInterval(Duration.ofHours(1)) // only the poll at start claims by itself
              .build()
              .start()) {
        Poll.until(Duration.ofSeconds(10), () -> listening() >= 1, "the change feed listens");

        // The store's pool loses the database (the feed keeps its connection); a publish made on
        // the application's own connection wakes the dispatcher, whose claim fails: back-off.
        db.down(0);
        publishInTransaction(dispatcher);
        Poll.until(Duration.ofSeconds(10), () -> db.refused.get() >= 1, "a claim was tried");
        db.up();
        publishInTransaction(dispatcher); // the database is back: this wake-up must not be lost

        Poll.until(
            Duration.ofSeconds(45),
            () -> store.countDeliveries(w.id()).succeeded() == 2,
            () ->
                "45 s after the database came back (the back-off is at most 30 s), the publishes"
                    + " still wait for the next poll, an hour away: "
                    + store.countDeliveries(w.id()));
        assertEquals(2, sink.total());
      }
    }
  }

  private static void publishInTransaction(Dispatcher dispatcher) throws SQLException {
    try (Connection c = POOL.getConnection()) {
      c.setAutoCommit(false);
      dispatcher.publish(c, event());
      c.commit();
      c.setAutoCommit(true);
    }
  }
}
