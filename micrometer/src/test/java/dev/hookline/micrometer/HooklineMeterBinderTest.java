package dev.hookline.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Event;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.filter.Filters;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.Poll;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gauges' lifecycle in one registry: a dispatcher bound after another is the one they read, a
 * closed binder takes its gauges away, and the registry does not keep a closed dispatcher.
 */
class HooklineMeterBinderTest {
  private static final AtomicInteger EVENTS = new AtomicInteger();
  private static final List<String> GAUGES =
      List.of(
          HooklineMeterBinder.PENDING,
          HooklineMeterBinder.RETRYING,
          HooklineMeterBinder.OPEN_BREAKERS);

  private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-02T10:00:00Z"));
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final List<Dispatcher> dispatchers = new ArrayList<>();

  @AfterEach
  void tearDown() {
    dispatchers.forEach(Dispatcher::close);
  }

  /** A dispatcher over a store of its own, with one webhook that wants every user.created. */
  private Dispatcher dispatcher() {
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(new InMemoryStore())
            .clock(clock)
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    Webhook w =
        registry.create(
            WebhookDefinition.builder()
                .name("binder test")
                .uri("http://127.0.0.1:9/hook")
                .apiKey("test-api-key-0123456789")
                .events(UserEvents.CREATED)
                .build());
    dev.hookline.testing.TestWebhooks.markVerified(registry, w.id());
    registry.enable(w.id());
    Dispatcher d = Dispatcher.builder().registry(registry).clock(clock).build();
    dispatchers.add(d);
    return d;
  }

  private Event event() {
    return Event.builder(UserEvents.CREATED)
        .id("evt_binder_" + EVENTS.incrementAndGet())
        .occurredAt(clock.instant())
        .subject(Subject.user("u1"))
        .data(JsonNodeFactory.instance.objectNode().put("user_id", "u1"))
        .build();
  }

  private double gauge(String name) {
    Gauge g = meters.find(name).gauge();
    assertNotNull(g, name);
    return g.value();
  }

  private HooklineMeterBinder bind(Dispatcher d) {
    HooklineMeterBinder binder = HooklineMeterBinder.of(d, clock, Duration.ZERO);
    binder.bindTo(meters);
    return binder;
  }

  @Test
  void aDispatcherBoundAfterAClosedOneIsTheOneTheGaugesRead() {
    Dispatcher first = dispatcher();
    bind(first);
    first.publish(event());
    first.publish(event());
    assertEquals(2.0, gauge(HooklineMeterBinder.PENDING));
    first.close(); // as a refreshed context does, without closing the binder

    Dispatcher second = dispatcher();
    bind(second);
    second.publish(event());
    assertEquals(1, second.summary().pending());
    assertEquals(1.0, gauge(HooklineMeterBinder.PENDING), "the second dispatcher's");
    assertEquals(1, meters.find(HooklineMeterBinder.PENDING).gauges().size());
  }

  @Test
  void theRegistryDoesNotKeepAClosedDispatcher() {
    WeakReference<Dispatcher> closed = bindAndClose();
    Poll.until(
        Duration.ofSeconds(10),
        () -> {
          System.gc(); // what is awaited is the collector; nothing else can drive it
          return closed.get() == null;
        },
        "the closed dispatcher, bound but not unbound, is collected");
    assertTrue(Double.isNaN(gauge(HooklineMeterBinder.PENDING)), "no dispatcher to read");
    assertTrue(Double.isNaN(gauge(HooklineMeterBinder.OPEN_BREAKERS)), "no dispatcher to read");
  }

  /** Binds a dispatcher of its own and closes it; the binder stays bound. */
  private WeakReference<Dispatcher> bindAndClose() {
    Dispatcher d = dispatcher();
    bind(d);
    d.publish(event());
    assertEquals(1.0, gauge(HooklineMeterBinder.PENDING));
    d.close();
    dispatchers.remove(d);
    return new WeakReference<>(d);
  }

  @Test
  void closingTheBinderRemovesItsGauges() {
    HooklineMeterBinder binder = bind(dispatcher());
    GAUGES.forEach(name -> assertNotNull(meters.find(name).gauge(), name));
    binder.close();
    binder.close();
    GAUGES.forEach(name -> assertNull(meters.find(name).meter(), name));
    assertThrows(IllegalStateException.class, () -> binder.bindTo(meters));
  }

  @Test
  void closingAReplacedBinderLeavesTheGaugesOfTheOneThatReplacedIt() {
    HooklineMeterBinder first = bind(dispatcher());
    Dispatcher second = dispatcher();
    bind(second);
    second.publish(event());
    first.close();
    GAUGES.forEach(name -> assertNotNull(meters.find(name).gauge(), name));
    assertEquals(1.0, gauge(HooklineMeterBinder.PENDING));
  }

  @Test
  void gaugesHaveNoBaseUnitSoPrometheusNamesThemAsDocumented() {
    bind(dispatcher());
    // Micrometer's PrometheusNamingConvention appends a gauge's base unit to its name: with
    // "deliveries", hookline_deliveries_pending_deliveries instead of hookline_deliveries_pending.
    GAUGES.forEach(name -> assertNull(meters.get(name).gauge().getId().getBaseUnit(), name));
  }
}
