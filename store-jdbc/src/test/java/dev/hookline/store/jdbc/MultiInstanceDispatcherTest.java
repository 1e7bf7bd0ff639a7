package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.DeliveryQuery;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.filter.Filters;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.LoopbackSink;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Several application instances (each its own pool, store and dispatcher) share one PostgreSQL
 * database: together they deliver everything exactly once without failures, a crashed instance's
 * work is taken over once its leases expire, and publishing inside the caller's transaction sends
 * on commit only.
 */
class MultiInstanceDispatcherTest {
  private static final String SCHEMA = "multi";
  private static final SimpleConnectionPool ADMIN =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 2);

  private final ManualClock clock = ManualClock.at(Instant.parse("2026-11-23T10:00:00Z"));
  private final List<AutoCloseable> resources = new ArrayList<>();
  private LoopbackSink sink;
  private PostgresStore admin = EmbeddedDb.store(ADMIN, SCHEMA);

  @BeforeEach
  void setUp() throws IOException {
    EmbeddedDb.truncate(ADMIN, SCHEMA);
    admin = EmbeddedDb.store(ADMIN, SCHEMA);
    sink = LoopbackSink.recording();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable r : resources) {
      r.close();
    }
    sink.close();
  }

  @AfterAll
  static void dropSchema() {
    EmbeddedDb.dropSchema(ADMIN, SCHEMA);
    ADMIN.close();
  }

  private Instance instance(int workers) {
    SimpleConnectionPool pool = SimpleConnectionPool.of(EmbeddedDb.dataSource(), workers + 2);
    Instance i = new Instance(pool, EmbeddedDb.store(pool, SCHEMA), clock, workers);
    resources.add(0, i);
    return i;
  }

  private Event event(int n) {
    return Event.builder(UserEvents.CREATED)
        .id("evt_" + n)
        .occurredAt(clock.instant())
        .user("user-" + n)
        .data(JsonNodeFactory.instance.objectNode().put("n", n))
        .build();
  }

  private long succeededInDatabase(Webhook w) {
    return admin.countDeliveries(w.id()).succeeded();
  }

  /**
   * 2,000 events (it was 10,000, which took most of this class's time): four batches of 500, two
   * per instance, keep both instances' 16 workers claiming from the same queue at once for the
   * whole run, which is where a claim that is not exclusive hands one delivery to two workers.
   */
  @Test
  void twoDispatchersDeliverTwoThousandEventsEachExactlyOnce() {
    Instance a = instance(8);
    Webhook w = a.receivingWebhook(sink.uri("/hook"));
    Instance b = instance(8); // loads the webhook from the shared database
    int events = 2_000;
    List<Event> batch = new ArrayList<>();
    for (int n = 0; n < events; n++) {
      batch.add(event(n));
      if (batch.size() == 500) {
        (n / 500 % 2 == 0 ? a : b).dispatcher.publish(batch);
        batch = new ArrayList<>();
      }
    }
    Poll.until(
        Duration.ofSeconds(90),
        () -> succeededInDatabase(w) == events,
        () -> "delivered " + succeededInDatabase(w) + " of " + events);
    assertEquals(events, sink.distinct(), "every event arrived");
    assertEquals(events, sink.total(), "none arrived twice");
    assertEquals(0, sink.mismatched(), "each body carries its webhook-id");
    // The listeners hear of an attempt just after the Store recorded it: wait for the last one.
    Poll.until(
        Duration.ofSeconds(10),
        () -> a.succeeded.get() + b.succeeded.get() == events,
        () -> "the listeners heard " + (a.succeeded.get() + b.succeeded.get()) + " successes");
    assertTrue(a.succeeded.get() > 0 && b.succeeded.get() > 0, "both instances delivered");
  }

  @Test
  void aCrashedDispatchersWorkIsTakenOverOnceItsLeasesExpire() throws SQLException {
    sink.pause(); // the first instance's attempts stay in flight
    Instance a = instance(8);
    Webhook w = a.receivingWebhook(sink.uri("/hook"));
    int events = 500;
    List<Event> all = new ArrayList<>();
    for (int n = 0; n < events; n++) {
      all.add(event(n));
    }
    a.dispatcher.publish(all);
    Poll.until(
        Duration.ofSeconds(30), () -> sink.total() == 8, "the eight deliveries reach the sink");

    a.crash(); // no close(): its 8 leases stay taken
    Set<String> inFlight = inFlightEventIds();
    assertEquals(8, inFlight.size());
    sink.resume(); // the crashed instance's requests complete, but it cannot record them

    Instance b = instance(8);
    Poll.until(
        Duration.ofSeconds(60),
        () -> succeededInDatabase(w) == events - 8,
        "the survivor delivers everything not leased by the crashed instance");
    assertEquals(8, inFlightEventIds().size(), "still leased until the leases expire");

    clock.advance(Instance.LEASE.plusSeconds(1));
    Poll.until(
        Duration.ofSeconds(30),
        () -> succeededInDatabase(w) == events,
        "the survivor takes over the expired leases");
    assertEquals(events, sink.distinct(), "nothing is lost");
    int duplicates = sink.total() - events;
    assertTrue(duplicates <= inFlight.size(), "duplicates: " + duplicates);
    for (Map.Entry<String, Integer> e : sink.counts().entrySet()) {
      if (e.getValue() > 1) {
        assertTrue(inFlight.contains(e.getKey()), "only abandoned attempts repeat: " + e);
      }
    }
    assertEquals(0, sink.mismatched(), "a repeat carries the same webhook-id");
    // The listener hears of an attempt just after the Store recorded it: wait for the last one.
    Poll.until(
        Duration.ofSeconds(10),
        () -> b.succeeded.get() == events - 8 + duplicates,
        () -> "the survivor's listener heard " + b.succeeded.get() + " successes");
  }

  private static Set<String> inFlightEventIds() throws SQLException {
    try (Connection c = ADMIN.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT event_id FROM \"" + SCHEMA + "\".deliveries WHERE state = 'IN_FLIGHT'");
        ResultSet rs = ps.executeQuery()) {
      Set<String> ids = new HashSet<>();
      while (rs.next()) {
        ids.add(rs.getString(1));
      }
      return ids;
    }
  }

  @Test
  void publishingInTheCallersTransactionSendsOnCommitOnly() throws SQLException {
    Instance a = instance(4);
    Webhook w = a.receivingWebhook(sink.uri("/hook"));
    try (Connection c = a.pool.getConnection()) {
      c.setAutoCommit(false);
      assertEquals(1, a.dispatcher.publish(c, event(1)).deliveries().size());
      c.rollback();
      c.setAutoCommit(false);
      assertEquals(1, a.dispatcher.publish(c, event(2)).deliveries().size());
      c.commit();
    }
    Poll.until(
        Duration.ofSeconds(30),
        () -> succeededInDatabase(w) == 1,
        "the committed event is delivered");
    assertEquals(Map.of("evt_2", 1), sink.counts(), "the committed event, once");
    assertTrue(admin.findDeliveries(DeliveryQuery.builder().event("evt_1").build()).isEmpty());
    // A later event goes out after it: the rolled-back one never will.
    a.dispatcher.publish(event(3));
    Poll.until(
        Duration.ofSeconds(30),
        () -> succeededInDatabase(w) == 2,
        "the later event is delivered too");
    assertEquals(Map.of("evt_2", 1, "evt_3", 1), sink.counts());
  }

  @Test
  void publishingInATransactionNeedsATransactionalStore() throws SQLException {
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(new InMemoryStore())
            .clock(clock)
            .filterCompiler(Filters.compiler())
            .build();
    try (Dispatcher d = Dispatcher.builder().registry(registry).build();
        Connection c = ADMIN.getConnection()) {
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> d.publish(c, event(1)));
      assertTrue(e.getMessage().contains("TransactionalStore"), e.getMessage());
    }
  }
}
