package dev.hookline.micrometer;

import static org.junit.jupiter.api.Assertions.assertNull;

import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.filter.Filters;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The gauges of a dispatcher, as a registry names them. */
class HooklineMeterBinderTest {
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

  private HooklineMeterBinder bind(Dispatcher d) {
    HooklineMeterBinder binder = HooklineMeterBinder.of(d, clock, Duration.ZERO);
    binder.bindTo(meters);
    return binder;
  }

  @Test
  void gaugesHaveNoBaseUnitSoPrometheusNamesThemAsDocumented() {
    bind(dispatcher());
    // Micrometer's PrometheusNamingConvention appends a gauge's base unit to its name: with
    // "deliveries", hookline_deliveries_pending_deliveries instead of hookline_deliveries_pending.
    GAUGES.forEach(name -> assertNull(meters.get(name).gauge().getId().getBaseUnit(), name));
  }
}
