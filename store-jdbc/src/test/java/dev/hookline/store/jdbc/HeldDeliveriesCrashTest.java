package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.testing.LoopbackSink;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The crash window that holding claimed deliveries in memory opens: a dispatcher claims more than
 * its endpoint's slots take (they wait in the endpoint's queue, or were claimed as they were
 * published), and the process dies before sending them. They stay {@code IN_FLIGHT} under its
 * leases, and another instance sends them once the leases expire: none lost, and only the requests
 * the dead process had actually sent are repeated.
 */
class HeldDeliveriesCrashTest {
  private static final String SCHEMA = "held_deliveries_crash";
  private static final int SLOTS = 2;
  private static final int EVENTS = 10;
  private static final SimpleConnectionPool ADMIN =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 2);

  private final ManualClock clock = ManualClock.at(Instant.parse("2026-11-30T10:00:00Z"));
  private final List<AutoCloseable> resources = new ArrayList<>();
  private LoopbackSink sink;
  private PostgresStore admin;

  @BeforeEach
  void setUp() throws IOException {
    admin = EmbeddedDb.store(ADMIN, SCHEMA);
    EmbeddedDb.truncate(ADMIN, SCHEMA);
    sink = LoopbackSink.recording();
  }

  @AfterEach
  void tearDown() throws Exception {
    sink.resume();
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

  private Instance instance() {
    SimpleConnectionPool pool = SimpleConnectionPool.of(EmbeddedDb.dataSource(), 12);
    // The held requests must not time out while the test looks (a timed-out attempt frees its
    // slot for the next delivery): the longest timeout the 30 s lease allows.
    Instance i =
        new Instance(
            pool, EmbeddedDb.store(pool, SCHEMA), clock, 20, SLOTS, Duration.ofSeconds(14));
    resources.add(0, i);
    return i;
  }

  @Test
  void deliveriesHeldByADeadProcessAreSentByAnotherNotLost() {
    sink.pause(); // the endpoint holds every request: two slots taken, the rest wait
    Instance a = instance();
    Webhook w = a.receivingWebhook(sink.uri("/hook"));
    for (int n = 0; n < EVENTS; n++) {
      a.dispatcher.publish(
          Event.builder(UserEvents.CREATED)
              .id("evt_" + n)
              .occurredAt(clock.instant())
              .user("user-" + n)
              .data(JsonNodeFactory.instance.objectNode().put("n", n))
              .build());
    }
    Poll.until(
        Duration.ofSeconds(30),
        () -> sink.total() == SLOTS && admin.countDeliveries(w.id()).inFlight() == EVENTS,
        () ->
            "two requests out and every delivery claimed: sink "
                + sink.total()
                + ", "
                + admin.countDeliveries(w.id()));

    a.crash(); // nothing released, nothing more sent or recorded
    sink.resume();
    Instance b = instance();
    clock.advance(Instance.LEASE.plusSeconds(1));
    Poll.until(
        Duration.ofSeconds(60),
        () -> admin.countDeliveries(w.id()).succeeded() == EVENTS,
        () -> "the survivor delivers everything: " + admin.countDeliveries(w.id()));
    assertEquals(EVENTS, sink.distinct(), "nothing is lost");
    assertEquals(EVENTS + SLOTS, sink.total(), "only the two requests A sent were repeated");
    int repeated = 0;
    for (Map.Entry<String, Integer> e : sink.counts().entrySet()) {
      assertTrue(e.getValue() <= 2, "sent at most twice: " + e);
      repeated += e.getValue() - 1;
    }
    assertEquals(SLOTS, repeated);
    // The listener hears of an attempt just after the Store recorded it (on PostgreSQL, after the
    // grouped write committed): wait for the last one.
    Poll.until(
        Duration.ofSeconds(10),
        () -> b.succeeded.get() >= EVENTS,
        () -> "the survivor's listener heard " + b.succeeded.get() + " successes");
  }
}
