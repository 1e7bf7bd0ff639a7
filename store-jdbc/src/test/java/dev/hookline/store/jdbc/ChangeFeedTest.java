package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.DeliveryCounts;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.delivery.PublishResult;
import dev.hookline.testing.LoopbackSink;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.Poll;
import dev.hookline.testing.TestWebhooks;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two instances on one PostgreSQL database see each other's webhook changes through the Store's
 * change feed (LISTEN/NOTIFY), not the periodic reload: both dispatchers keep the default 30 s
 * reload interval and nothing reloads by hand. A change made on instance A takes effect on instance
 * B within one second: B routes an event published one second after an enable on A, and B sends
 * nothing to the old endpoint later than one second after a disable or a URI change on A.
 */
class ChangeFeedTest {
  private static final String SCHEMA = "feed";
  private static final Duration AT_ONCE = Duration.ofSeconds(1);
  private static final long AT_ONCE_NANOS = AT_ONCE.toNanos();
  private static final Duration WELL_BELOW_THE_RELOAD = Duration.ofSeconds(10);
  private static final int BACKLOG = 60;
  private static final SimpleConnectionPool ADMIN =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 2);

  private final ManualClock clock = ManualClock.at(Instant.parse("2026-11-29T10:00:00Z"));
  private final AtomicInteger events = new AtomicInteger();
  private final List<AutoCloseable> resources = new ArrayList<>();
  private final AtomicInteger oldArrivals = new AtomicInteger();
  private final AtomicLong lastOldArrival = new AtomicLong();
  private final AtomicInteger routedToControl = new AtomicInteger();
  private volatile String controlId = "";
  private PostgresStore admin = EmbeddedDb.store(ADMIN, SCHEMA);
  private LoopbackSink probeSink;
  private LoopbackSink oldSink;
  private LoopbackSink newSink;
  private LoopbackSink controlSink;
  private Instance a;
  private Instance b;

  @BeforeEach
  void setUp() throws IOException {
    EmbeddedDb.truncate(ADMIN, SCHEMA);
    admin = EmbeddedDb.store(ADMIN, SCHEMA);
    probeSink = LoopbackSink.recording();
    oldSink =
        LoopbackSink.reporting(
            id -> {
              lastOldArrival.set(System.nanoTime());
              oldArrivals.incrementAndGet();
            });
    newSink = LoopbackSink.recording();
    controlSink = LoopbackSink.recording();
    a = instance();
    b = instance();
    // B's feed is listening once B routes to a webhook created on A after B started.
    Webhook probe = a.receivingWebhook(probeSink.uri("/probe"));
    Poll.until(
        WELL_BELOW_THE_RELOAD,
        () -> publishOnB().webhookIds().contains(probe.id()),
        "instance B never saw a webhook created on A");
    a.registry.delete(probe.id());
    Poll.until(
        WELL_BELOW_THE_RELOAD,
        () -> publishOnB().count() == 0,
        "instance B kept routing to a webhook deleted on A");
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable r : resources) {
      r.close();
    }
    probeSink.close();
    oldSink.close();
    newSink.close();
    controlSink.close();
  }

  @AfterAll
  static void dropSchema() {
    EmbeddedDb.dropSchema(ADMIN, SCHEMA);
    ADMIN.close();
  }

  private Instance instance() {
    // workers + 2 as elsewhere, plus the connection the change feed holds.
    SimpleConnectionPool pool = SimpleConnectionPool.of(EmbeddedDb.dataSource(), 2 + 3);
    // Attempts get 15 s (half the lease): the old endpoint holds its requests while A changes the
    // webhook.
    Instance i =
        new Instance(pool, EmbeddedDb.store(pool, SCHEMA), clock, 2, 2, Duration.ofSeconds(15));
    resources.add(0, i);
    return i;
  }

  private PublishResult publishOnB() {
    int n = events.incrementAndGet();
    PublishResult result =
        b.dispatcher.publish(
            Event.builder(UserEvents.CREATED)
                .id("evt_" + n)
                .occurredAt(clock.instant())
                .user("user-" + n)
                .data(JsonNodeFactory.instance.objectNode().put("n", n))
                .build());
    if (result.webhookIds().contains(controlId)) {
      routedToControl.incrementAndGet();
    }
    return result;
  }

  private static long elapsedSince(long startNanos) {
    return System.nanoTime() - startNanos;
  }

  /** A webhook on A that B routes to, and a control webhook beside it that stays receiving. */
  private Webhook routedOnB() {
    Webhook w = a.receivingWebhook(oldSink.uri("/hook"));
    Webhook control = a.receivingWebhook(controlSink.uri("/control"));
    controlId = control.id();
    Poll.until(
        WELL_BELOW_THE_RELOAD,
        () -> publishOnB().webhookIds().containsAll(List.of(w.id(), control.id())),
        "instance B never routed to the webhooks created on A");
    // A backlog on B, so that B is still working through deliveries of w when A changes it: the
    // old endpoint holds its requests (each counted as it arrives) until B has seen the change
    // (the tests resume it then), or a fast B could send the whole backlog before the change (seen
    // once
    // with another test JVM running: succeeded=64, pending=0).
    oldSink.pause();
    for (int i = 0; i < BACKLOG; i++) {
      publishOnB();
    }
    return w;
  }

  /**
   * Waits until every event published on B so far, including some published after the change, has
   * reached the control endpoint. B claims in order, so by then it has claimed every delivery of
   * the changed webhook that it was ever going to send.
   */
  private void drainB() {
    for (int i = 0; i < 5; i++) {
      publishOnB();
    }
    int routed = routedToControl.get();
    Poll.until(
        WELL_BELOW_THE_RELOAD,
        () -> controlSink.distinct() >= routed,
        () -> "the control endpoint got " + controlSink.distinct() + " of " + routed);
  }

  private void assertNothingReachedTheOldUriLaterThanASecondAfter(long changedAt, Webhook w) {
    long last = lastOldArrival.get();
    assertTrue(oldArrivals.get() > 0, "the old endpoint received nothing before the change");
    assertTrue(
        last - changedAt <= AT_ONCE_NANOS,
        () ->
            "the old endpoint was still sent to "
                + TimeUnit.NANOSECONDS.toMillis(last - changedAt)
                + " ms after the change on A");
    // Attempts B made before the change may still be recording their outcomes: each endpoint's
    // deliveries go at their own pace, so the control endpoint's draining does not order them.
    Poll.until(
        WELL_BELOW_THE_RELOAD,
        () -> admin.countDeliveries(w.id()).inFlight() == 0,
        () -> "nothing stays in flight: " + admin.countDeliveries(w.id()));
    DeliveryCounts counts = admin.countDeliveries(w.id());
    assertEquals(
        oldArrivals.get(),
        counts.succeeded(),
        "every request that reached the endpoint was recorded, and no more: " + counts);
    assertTrue(
        counts.pending() + counts.retrying() > 0,
        "deliveries B did not send are kept, not dropped: " + counts);
  }

  @Test
  void aWebhookEnabledOnAReceivesAnEventPublishedOnBASecondLater() {
    Webhook w =
        a.registry.create(
            WebhookDefinition.builder()
                .name("enabled later")
                .uri(oldSink.uri("/hook"))
                .apiKey(Instance.API_KEY)
                .events(UserEvents.CREATED)
                .build());
    TestWebhooks.markVerified(a.registry, w.id());
    long enabledAt = System.nanoTime();
    a.registry.enable(w.id());
    Poll.until(
        AT_ONCE,
        () -> publishOnB().webhookIds().contains(w.id()),
        "instance B did not route to the webhook within 1 s of its enable on A");
    assertTrue(elapsedSince(enabledAt) <= AT_ONCE_NANOS + TimeUnit.MILLISECONDS.toNanos(500));
    Poll.until(
        WELL_BELOW_THE_RELOAD,
        () -> oldArrivals.get() >= 1 && admin.countDeliveries(w.id()).succeeded() >= 1,
        () -> "delivered " + oldArrivals.get());
  }

  @Test
  void afterADisableOnABSendsNothingMoreToTheEndpointWithinASecond() {
    Webhook w = routedOnB();
    long changedAt = System.nanoTime();
    a.registry.disable(w.id());
    Poll.until(
        AT_ONCE,
        () -> !publishOnB().webhookIds().contains(w.id()),
        "instance B kept routing to the webhook disabled on A");
    oldSink.resume();
    drainB();
    assertNothingReachedTheOldUriLaterThanASecondAfter(changedAt, w);
  }

  @Test
  void afterAUriChangeOnABSendsNothingMoreToTheOldUriWithinASecond() {
    Webhook w = routedOnB();
    Webhook current = a.registry.require(w.id());
    long changedAt = System.nanoTime();
    a.registry.update(
        w.id(),
        current.version(),
        WebhookDefinition.builder()
            .name(current.name())
            .uri(newSink.uri("/moved"))
            .apiKey(Instance.API_KEY)
            .events(UserEvents.CREATED)
            .build());
    // The new endpoint has not passed its handshake: B routes nothing to the webhook.
    Poll.until(
        AT_ONCE,
        () -> !publishOnB().webhookIds().contains(w.id()),
        "instance B kept routing to the old URI after the change on A");
    oldSink.resume();
    drainB();
    assertNothingReachedTheOldUriLaterThanASecondAfter(changedAt, w);
    int atOldUri = oldArrivals.get();

    TestWebhooks.markVerified(a.registry, w.id());
    Poll.until(
        AT_ONCE,
        () -> publishOnB().webhookIds().contains(w.id()),
        "instance B did not route to the verified new URI within 1 s");
    Poll.until(
        WELL_BELOW_THE_RELOAD,
        () -> newSink.total() >= 1,
        () -> "the new URI got " + newSink.total());
    assertEquals(atOldUri, oldArrivals.get(), "nothing more went to the old URI");
  }

  @Test
  void aChangeMadeWhileTheFeedIsDownIsSeenWhenItReconnects() throws SQLException {
    Webhook w =
        a.registry.create(
            WebhookDefinition.builder()
                .name("changed while the feed is down")
                .uri(oldSink.uri("/hook"))
                .apiKey(Instance.API_KEY)
                .events(UserEvents.CREATED)
                .build());
    TestWebhooks.markVerified(a.registry, w.id());
    int cut = terminateListeners();
    assertTrue(cut >= 2, "both instances' listening connections were cut: " + cut);
    // No notification of this reaches B: its listening connection is gone. B resyncs when its
    // feed reconnects (after a 1 s back-off), well before the 30 s reload.
    a.registry.enable(w.id());
    Poll.until(
        WELL_BELOW_THE_RELOAD,
        () -> publishOnB().webhookIds().contains(w.id()),
        "instance B never saw the change made while its feed was down");
    // And the feed is live again: a later change arrives at once.
    long changedAt = System.nanoTime();
    a.registry.disable(w.id());
    Poll.until(
        AT_ONCE,
        () -> !publishOnB().webhookIds().contains(w.id()),
        "instance B's feed did not come back");
    assertTrue(elapsedSince(changedAt) < WELL_BELOW_THE_RELOAD.toNanos());
  }

  /** Cuts every connection that is listening on the schema's channel; returns how many. */
  private static int terminateListeners() throws SQLException {
    try (Connection c = ADMIN.getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
                    + " WHERE query LIKE 'LISTEN %hookline_webhooks_"
                    + SCHEMA
                    + "%' AND pid <> pg_backend_pid()")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
