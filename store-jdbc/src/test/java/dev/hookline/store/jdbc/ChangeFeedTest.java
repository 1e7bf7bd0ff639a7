package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.testing.LoopbackSink;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.Poll;
import dev.hookline.testing.TestWebhooks;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two instances on one PostgreSQL database see each other's webhook changes through the Store's
 * change feed (LISTEN/NOTIFY), not the periodic reload: both dispatchers keep the default 30 s
 * reload interval, and every wait here is bounded well below it, with no manual reload.
 */
class ChangeFeedTest {
  private static final String SCHEMA = "feed";
  private static final Duration WELL_BELOW_THE_RELOAD = Duration.ofSeconds(10);
  private static final SimpleConnectionPool ADMIN =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 2);

  private final ManualClock clock = ManualClock.at(Instant.parse("2026-11-29T10:00:00Z"));
  private final AtomicInteger events = new AtomicInteger();
  private final List<AutoCloseable> resources = new ArrayList<>();
  private PostgresStore admin = EmbeddedDb.store(ADMIN, SCHEMA);
  private LoopbackSink probeSink;
  private LoopbackSink oldSink;
  private LoopbackSink newSink;
  private Instance a;
  private Instance b;

  @BeforeEach
  void setUp() throws IOException {
    EmbeddedDb.truncate(ADMIN, SCHEMA);
    admin = EmbeddedDb.store(ADMIN, SCHEMA);
    probeSink = LoopbackSink.recording();
    oldSink = LoopbackSink.recording();
    newSink = LoopbackSink.recording();
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
  }

  @AfterAll
  static void dropSchema() {
    EmbeddedDb.dropSchema(ADMIN, SCHEMA);
    ADMIN.close();
  }

  private Instance instance() {
    // workers + 2 as elsewhere, plus the connection the change feed holds.
    SimpleConnectionPool pool = SimpleConnectionPool.of(EmbeddedDb.dataSource(), 2 + 3);
    Instance i = new Instance(pool, EmbeddedDb.store(pool, SCHEMA), clock, 2);
    resources.add(0, i);
    return i;
  }

  private dev.hookline.delivery.PublishResult publishOnB() {
    int n = events.incrementAndGet();
    return b.dispatcher.publish(
        Event.builder(UserEvents.CREATED)
            .id("evt_" + n)
            .occurredAt(clock.instant())
            .user("user-" + n)
            .data(JsonNodeFactory.instance.objectNode().put("n", n))
            .build());
  }

  /**
   * Attempts started before the change (in flight at the time) have finished and were recorded; no
   * delivery of the webhook is in flight any more.
   */
  private boolean settled(Webhook w, LoopbackSink sink) {
    dev.hookline.DeliveryCounts counts = admin.countDeliveries(w.id());
    return counts.inFlight() == 0 && sink.total() == counts.succeeded();
  }

  private long succeeded(Webhook w) {
    return admin.countDeliveries(w.id()).succeeded();
  }

  @Test
  void aWebhookEnabledOnAReceivesAnEventPublishedOnB() {
    Webhook w = a.receivingWebhook(oldSink.uri("/hook"));
    Poll.until(
        WELL_BELOW_THE_RELOAD,
        () -> publishOnB().webhookIds().contains(w.id()),
        "instance B never routed to the webhook enabled on A");
    Poll.until(
        WELL_BELOW_THE_RELOAD,
        () -> oldSink.total() >= 1 && succeeded(w) >= 1,
        () -> "delivered " + oldSink.total());
  }

  @Test
  void afterADisableOnABSendsNothingMoreToTheEndpoint() {
    Webhook w = a.receivingWebhook(oldSink.uri("/hook"));
    Poll.until(
        WELL_BELOW_THE_RELOAD,
        () -> publishOnB().webhookIds().contains(w.id()),
        "instance B never routed to the webhook");
    a.registry.disable(w.id());
    Poll.until(
        WELL_BELOW_THE_RELOAD,
        () -> publishOnB().count() == 0,
        "instance B kept routing to the webhook disabled on A");
    // Attempts already in flight when the change was made may still land; once they are
    // recorded, B neither routes new events to the webhook nor sends what stays queued.
    Poll.until(
        WELL_BELOW_THE_RELOAD,
        () -> settled(w, oldSink),
        () -> "sink " + oldSink.total() + " vs " + admin.countDeliveries(w.id()));
    long before = oldSink.total();
    for (int i = 0; i < 20; i++) {
      assertEquals(0, publishOnB().count(), "a disabled webhook gets no new deliveries");
    }
    assertEquals(before, oldSink.total());
    assertEquals(oldSink.total(), succeeded(w), "nothing went out unrecorded");
  }

  @Test
  void afterAUriChangeOnABSendsNothingMoreToTheOldUri() {
    Webhook w = a.receivingWebhook(oldSink.uri("/hook"));
    Poll.until(
        WELL_BELOW_THE_RELOAD,
        () -> publishOnB().webhookIds().contains(w.id()),
        "instance B never routed to the webhook");
    Webhook current = a.registry.require(w.id());
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
        WELL_BELOW_THE_RELOAD,
        () -> publishOnB().count() == 0,
        "instance B kept routing to the old URI after the change on A");
    Poll.until(
        WELL_BELOW_THE_RELOAD,
        () -> settled(w, oldSink),
        () -> "sink " + oldSink.total() + " vs " + admin.countDeliveries(w.id()));
    long atOldUri = oldSink.total();

    TestWebhooks.markVerified(a.registry, w.id());
    Poll.until(
        WELL_BELOW_THE_RELOAD,
        () -> publishOnB().webhookIds().contains(w.id()),
        "instance B never routed to the verified new URI");
    Poll.until(
        WELL_BELOW_THE_RELOAD,
        () -> newSink.total() >= 1,
        () -> "the new URI got " + newSink.total());
    assertEquals(atOldUri, oldSink.total(), "nothing more went to the old URI");
  }
}
