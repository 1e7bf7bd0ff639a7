package dev.hookline.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.DeliveryListener;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.RetrySchedule;
import dev.hookline.filter.Filters;
import dev.hookline.spi.Store;
import dev.hookline.testing.TestWebhooks;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hookline publish-to-delivered against the same sink and concurrency as the raw baseline: the
 * publisher keeps at most {@code inFlight} deliveries outstanding (closed loop, like the raw
 * client's threads), and each delivery's latency runs from just before {@code publish} to the
 * dispatcher recording the sink's 2xx.
 */
final class HooklinePhase {
  private HooklinePhase() {}

  record Result(long delivered, double seconds, long failedAttempts, Latencies latencies) {
    double perSecond() {
      return delivered / seconds;
    }
  }

  static Result run(Store store, String sinkUrl, int bodyBytes, int threads, Duration duration)
      throws InterruptedException {
    return run(store, sinkUrl, bodyBytes, threads, duration, Instrumentation.OFF);
  }

  /**
   * What a run adds to the dispatcher (settings, observers) and around each publish (the
   * application's own span): by default nothing around the publishes.
   */
  @FunctionalInterface
  interface Instrumentation {
    /** Nothing added: default settings, bare publishes. */
    Instrumentation OFF = b -> b;

    /**
     * Adds to the dispatcher's settings.
     *
     * @param b the builder, with the run's registry (and listener) set
     * @return the builder
     */
    Dispatcher.Builder configure(Dispatcher.Builder b);

    /**
     * Publishes one event; by default as it is, with nothing around it.
     *
     * @param d the dispatcher
     * @param e the event
     */
    default void publish(Dispatcher d, Event e) {
      d.publish(e);
    }

    /**
     * Publishes a batch ({@link BurstPhase}); by default as it is, with nothing around it.
     *
     * @param d the dispatcher
     * @param batch the events
     */
    default void publish(Dispatcher d, List<Event> batch) {
      d.publish(batch);
    }
  }

  static Result run(
      Store store,
      String sinkUrl,
      int bodyBytes,
      int threads,
      Duration duration,
      Instrumentation instrumentation)
      throws InterruptedException {
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(store)
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    Webhook hook =
        registry.create(
            WebhookDefinition.builder()
                .name("sink")
                .uri(sinkUrl)
                .apiKey("load-harness-api-key-0123456789")
                .events(UserEvents.UPDATED)
                .build());
    TestWebhooks.markVerified(registry, hook.id());
    registry.enable(hook.id());

    int inFlight = threads;
    Semaphore window = new Semaphore(inFlight);
    ConcurrentHashMap<String, Long> publishedAt = new ConcurrentHashMap<>();
    Latencies latencies = new Latencies();
    AtomicLong delivered = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    DeliveryListener measure =
        new DeliveryListener() {
          @Override
          public void attemptSucceeded(Delivery d, Attempt a) {
            Long t0 = publishedAt.remove(d.event().id());
            if (t0 != null) {
              latencies.recordNanos(System.nanoTime() - t0);
            }
            delivered.incrementAndGet();
            window.release();
          }

          @Override
          public void attemptFailed(Delivery d, Attempt a, Optional<Instant> next) {
            failed.incrementAndGet();
          }
        };
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("pad", "x".repeat(Math.max(0, bodyBytes - 140)));
    try (Dispatcher dispatcher =
        instrumentation
            .configure(Dispatcher.builder())
            .registry(registry)
            .workers(threads)
            .perEndpointConcurrency(threads)
            .listener(measure)
            .retrySchedule(RetrySchedule.builder().attemptTimeout(Duration.ofSeconds(3)).build())
            .build()
            .start()) {
      long start = System.nanoTime();
      long end = start + duration.toNanos();
      long deliveredAtStart = delivered.get();
      while (System.nanoTime() < end) {
        if (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
          continue;
        }
        Event e =
            Event.builder(UserEvents.UPDATED)
                .user("usr_load")
                .occurredAt(Instant.now())
                .data(data)
                .changed("email")
                .build();
        publishedAt.put(e.id(), System.nanoTime());
        instrumentation.publish(dispatcher, e);
      }
      // let the outstanding window drain, bounded
      window.tryAcquire(inFlight, 10, TimeUnit.SECONDS);
      double seconds = (System.nanoTime() - start) / 1e9;
      return new Result(delivered.get() - deliveredAtStart, seconds, failed.get(), latencies);
    }
  }
}
