package dev.hookline.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.DeliveryListener;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.spi.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Paced publishing at default dispatcher settings: one event at a time through {@link
 * Dispatcher#publish(Event)} on a fixed schedule ({@code rate} per second for {@code duration}, an
 * open loop: event k is due at k / rate whatever happened before), one endpoint, and each event's
 * latency from just before its {@code publish} to the dispatcher recording the endpoint's 2xx.
 * Sixteen publishing threads share the schedule (as a server's request threads would), so one slow
 * publish does not hold up the next; the rate they reached is reported beside the latencies.
 */
final class PacedPhase {
  private static final int PUBLISHERS = 16;

  private PacedPhase() {}

  /**
   * A run's outcome. Events not delivered by the end of the drain are in {@code latencies} at their
   * age then ({@code undelivered} of them), so the percentiles are lower bounds when that is not 0.
   */
  record Result(
      Latencies latencies,
      long published,
      double publishSeconds,
      long late,
      long failedAttempts,
      long undelivered) {
    String describe() {
      return String.format(
          Locale.ROOT,
          "%s; published %,d at %,.0f/s, %,d started > 5 ms late; failed attempts %d%s",
          latencies.summary(),
          published,
          published / publishSeconds,
          late,
          failedAttempts,
          undelivered == 0
              ? ""
              : String.format(
                  Locale.ROOT,
                  "; %,d not delivered by the end, counted at their age (lower bounds)",
                  undelivered));
    }
  }

  static Result run(
      Store store, String sinkBase, int rate, Duration duration, int bodyBytes, Duration drain)
      throws Exception {
    WebhookRegistry registry = Setups.registry(store);
    Setups.receiving(registry, sinkBase, 1, UserEvents.CREATED);
    long total = rate * duration.toSeconds();
    ConcurrentHashMap<String, Long> publishedAt = new ConcurrentHashMap<>();
    Latencies latencies = new Latencies();
    AtomicLong failed = new AtomicLong();
    AtomicLong late = new AtomicLong();
    DeliveryListener measure =
        new DeliveryListener() {
          @Override
          public void attemptSucceeded(Delivery d, Attempt a) {
            Long t0 = publishedAt.remove(d.event().id());
            if (t0 != null) {
              latencies.recordNanos(System.nanoTime() - t0);
            }
          }

          @Override
          public void attemptFailed(Delivery d, Attempt a, Optional<Instant> next) {
            failed.incrementAndGet();
          }
        };
    ObjectNode data = Setups.data(bodyBytes);
    ExecutorService publishers = Executors.newFixedThreadPool(PUBLISHERS);
    try (Dispatcher dispatcher =
        Dispatcher.builder().registry(registry).listener(measure).build().start()) {
      // a short warm-up at the same rate, not measured
      long warm = Math.min(rate / 4, total);
      for (int i = 0; i < warm; i++) {
        dispatcher.publish(Setups.event(UserEvents.CREATED, "evt_w" + i, data));
        LockSupport.parkNanos(1_000_000_000L / rate);
      }
      Setups.await(() -> false, TimeUnit.MILLISECONDS.toNanos(500));
      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
      long interval = 1_000_000_000L / rate;
      AtomicLong next = new AtomicLong();
      List<Future<?>> running = new ArrayList<>();
      for (int t = 0; t < PUBLISHERS; t++) {
        running.add(
            publishers.submit(
                () -> {
                  long k;
                  while ((k = next.getAndIncrement()) < total) {
                    long due = start + k * interval;
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                      LockSupport.parkNanos(wait);
                    }
                    long now = System.nanoTime();
                    if (now - due > 5_000_000L) {
                      late.incrementAndGet();
                    }
                    Event e = Setups.event(UserEvents.CREATED, "evt_p" + k, data);
                    publishedAt.put(e.id(), now);
                    dispatcher.publish(e);
                  }
                  return null;
                }));
      }
      for (Future<?> f : running) {
        f.get(duration.toSeconds() + 60, TimeUnit.SECONDS);
      }
      double publishSeconds = (System.nanoTime() - start) / 1e9;
      Setups.await(() -> latencies.count() >= total, drain.toNanos());
      long undelivered = 0;
      long now = System.nanoTime();
      for (String id : publishedAt.keySet()) {
        Long t0 = publishedAt.remove(id);
        if (t0 != null) {
          latencies.recordNanos(now - t0);
          undelivered++;
        }
      }
      return new Result(latencies, total, publishSeconds, late.get(), failed.get(), undelivered);
    } finally {
      publishers.shutdownNow();
    }
  }
}
