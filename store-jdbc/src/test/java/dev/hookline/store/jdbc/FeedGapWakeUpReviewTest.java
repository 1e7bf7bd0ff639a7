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
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Review round 6: the change feed's catch-up after it was down. A transactional publish wakes the
 * dispatchers by a {@code NOTIFY} on commit (README: {@code TransactionalWakeUpTest} polls once an
 * hour and still sends within seconds). A notification sent while a dispatcher's feed is not
 * listening (its connection was cut: a database restart, a failover, a pooler, and the feed's
 * back-off of up to 30 s before it reconnects) reaches nobody. When the feed listens again it asks
 * the dispatcher to resync, and the dispatcher reloaded its webhooks only: the deliveries committed
 * during the gap waited for the next poll, an hour here.
 */
class FeedGapWakeUpReviewTest {
  private static final String SCHEMA = "feed_gap_wake_up";
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
        .id("evt_gap_" + n)
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

  private static int terminateListeners() throws SQLException {
    try (Connection c = POOL.getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
                    + " WHERE query = 'LISTEN \""
                    + WebhookChangeFeed.channel(SCHEMA)
                    + "\"' AND pid <> pg_backend_pid()")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Test
  void aTransactionalPublishCommittedWhileTheFeedWasDownIsSentOnceItIsBack() throws Exception {
    EmbeddedDb.store(POOL, SCHEMA);
    EmbeddedDb.truncate(POOL, SCHEMA);
    FeedGate gate = new FeedGate(POOL);
    PostgresStore store = EmbeddedDb.store(gate, SCHEMA);
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
                  .name("gap")
                  .uri(sink.uri("/gap"))
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
        // only the wake-ups (and the resync) can send within them.
        Poll.until(Duration.ofSeconds(30), () -> listening() >= 1, "the change feed listens");
        publishInTransaction(dispatcher);
        Poll.until(
            Duration.ofSeconds(30),
            () -> store.countDeliveries(w.id()).succeeded() == 1,
            "the first publish is sent as it commits");

        // The feed's connection is cut, and it cannot reconnect for a while.
        gate.closed.set(true);
        assertEquals(1, terminateListeners());
        Poll.until(
            Duration.ofSeconds(30),
            () -> gate.refused.get() >= 1 && listening() == 0,
            "the feed is down and tried to reconnect");
        publishInTransaction(dispatcher); // its NOTIFY reaches no dispatcher
        gate.closed.set(false);
        // Its back-off between attempts is at most 30 s.
        Poll.until(Duration.ofSeconds(60), () -> listening() >= 1, "the feed listens again");

        Poll.until(
            Duration.ofSeconds(30),
            () -> store.countDeliveries(w.id()).succeeded() == 2,
            () ->
                "the publish committed while the feed was down is still not sent 30 s after the"
                    + " feed came back (it waits for the next poll, an hour away): "
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

  /**
   * Refuses every borrow made on the change feed's thread while closed, as a pool that has none.
   */
  static final class FeedGate extends ForwardingDataSource {
    final AtomicBoolean closed = new AtomicBoolean();
    final AtomicInteger refused = new AtomicInteger();

    FeedGate(DataSource delegate) {
      super(delegate);
    }

    @Override
    public Connection getConnection() throws SQLException {
      if (closed.get() && Thread.currentThread().getName().equals("hookline-webhook-changes")) {
        refused.incrementAndGet();
        throw new SQLTransientConnectionException("the database is unreachable", "08001");
      }
      return delegate.getConnection();
    }
  }
}
