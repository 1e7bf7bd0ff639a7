package dev.hookline.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import dev.hookline.testing.TestWebhooks;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Binders of several dispatchers bound to one registry at once: the registry ends with one set of
 * gauges, all three of one binder's, which its close takes away.
 */
class HooklineMeterBinderConcurrencyTest {
  private static final List<String> GAUGES =
      List.of(
          HooklineMeterBinder.PENDING,
          HooklineMeterBinder.RETRYING,
          HooklineMeterBinder.OPEN_BREAKERS);

  private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-02T10:00:00Z"));
  private final List<Dispatcher> dispatchers = new ArrayList<>();

  @AfterEach
  void tearDown() {
    dispatchers.forEach(Dispatcher::close);
  }

  /** A dispatcher, not started, with {@code pending} deliveries waiting: its gauges' mark. */
  private Dispatcher dispatcher(int pending) {
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
                .name("binder concurrency")
                .uri("http://127.0.0.1:9/hook")
                .apiKey("test-api-key-0123456789")
                .events(UserEvents.CREATED)
                .build());
    TestWebhooks.markVerified(registry, w.id());
    registry.enable(w.id());
    Dispatcher d = Dispatcher.builder().registry(registry).clock(clock).build();
    dispatchers.add(d);
    for (int i = 0; i < pending; i++) {
      d.publish(
          Event.builder(UserEvents.CREATED)
              .id("evt_binders_" + pending + "_" + i)
              .occurredAt(clock.instant())
              .subject(Subject.user("u1"))
              .data(JsonNodeFactory.instance.objectNode().put("user_id", "u1"))
              .build());
    }
    return d;
  }

  @Test
  void bindersBoundAtOnceLeaveOneBindersGauges() throws Exception {
    int threads = 6;
    int rounds = 200;
    List<Dispatcher> ds = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      ds.add(dispatcher(i + 1)); // dispatcher i has i + 1 pending deliveries
    }
    List<AtomicReference<HooklineMeterBinder>> current = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      current.add(new AtomicReference<>());
    }
    AtomicReference<SimpleMeterRegistry> registry = new AtomicReference<>();
    CyclicBarrier start = new CyclicBarrier(threads + 1);
    CyclicBarrier end = new CyclicBarrier(threads + 1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> workers = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        AtomicReference<HooklineMeterBinder> mine = current.get(i);
        workers.add(
            pool.submit(
                () -> {
                  for (int r = 0; r < rounds; r++) {
                    start.await(30, TimeUnit.SECONDS);
                    mine.get().bindTo(registry.get());
                    end.await(30, TimeUnit.SECONDS);
                  }
                  return null;
                }));
      }
      for (int r = 0; r < rounds; r++) {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        registry.set(meters);
        for (int i = 0; i < threads; i++) {
          current.get(i).set(HooklineMeterBinder.of(ds.get(i), clock, Duration.ofHours(1)));
        }
        start.await(30, TimeUnit.SECONDS);
        end.await(30, TimeUnit.SECONDS);
        for (String name : GAUGES) {
          assertEquals(1, meters.find(name).gauges().size(), name + " in round " + r);
        }
        int owner = (int) meters.find(HooklineMeterBinder.PENDING).gauge().value() - 1;
        current.get(owner).get().close();
        assertTrue(
            meters.getMeters().isEmpty(),
            "round " + r + ": the gauges were not all binder " + owner + "'s: " + ids(meters));
        for (AtomicReference<HooklineMeterBinder> b : current) {
          b.get().close();
        }
      }
      for (Future<?> w : workers) {
        w.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static List<String> ids(SimpleMeterRegistry meters) {
    return meters.getMeters().stream().map(m -> m.getId().getName()).toList();
  }
}
