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
 * A transactional publish wakes the dispatchers as its transaction commits (PostgreSQL's {@code
 * NOTIFY}, delivered on commit), instead of waiting for their next poll, here an hour away; a
 * publish whose transaction rolls back wakes nobody and sends nothing.
 */
class TransactionalWakeUpTest {
  private static final String SCHEMA = "tx_wake_up";
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
        .id("evt_tx_" + n)
        .occurredAt(Instant.parse("2026-11-30T10:00:00Z"))
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
  void aCommittedTransactionalPublishIsSentAtOnceAndARolledBackOneNever() throws Exception {
    PostgresStore store = EmbeddedDb.store(POOL, SCHEMA);
    EmbeddedDb.truncate(POOL, SCHEMA);
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
                  .name("tx")
                  .uri(sink.uri("/tx"))
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
        // Bounds far above what each step takes on a loaded machine, far below the hour-long poll:
        // only the wake-up can send within them.
        Poll.until(Duration.ofSeconds(30), () -> listening() >= 1, "the change feed listens");

        try (Connection c = POOL.getConnection()) {
          c.setAutoCommit(false);
          dispatcher.publish(c, event());
          c.rollback();
          c.setAutoCommit(false);
          dispatcher.publish(c, event());
          c.commit();
        }
        Poll.until(
            Duration.ofSeconds(30),
            () -> store.countDeliveries(w.id()).succeeded() == 1,
            () -> "sent as the transaction committed: " + store.countDeliveries(w.id()));
        assertEquals(1, sink.total(), "the rolled-back publish sent nothing");
        assertEquals(1, store.countDeliveries(w.id()).total());
      }
    }
  }
}
