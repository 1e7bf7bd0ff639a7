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
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A burst at default dispatcher settings: {@code endpoints} receiving webhooks (and optionally
 * webhooks that do not receive), events published through {@link Dispatcher#publish(List)} in the
 * caller's batches of 100, each event fanned out to every endpoint, and the time from the first
 * publish until the dispatcher has recorded the last delivery's 2xx.
 */
final class BurstPhase {
  static final int BATCH = 100;

  private BurstPhase() {}

  record Result(long delivered, long expected, double seconds, long failedAttempts) {
    double perSecond() {
      return delivered / seconds;
    }

    boolean complete() {
      return delivered >= expected;
    }

    String describe() {
      return String.format(
          java.util.Locale.ROOT,
          "%,.0f deliveries/s (%,d in %.1f s%s, failed attempts %d)",
          perSecond(),
          delivered,
          seconds,
          complete() ? "" : String.format(java.util.Locale.ROOT, ", INCOMPLETE of %,d", expected),
          failedAttempts);
    }
  }

  /**
   * Runs one burst on {@code store}, which must hold no webhooks yet.
   *
   * @param deliveries how many deliveries in all: {@code deliveries / endpoints} events
   * @param maxWait how long to wait for the last delivery before giving up (then the rate is the
   *     deliveries made so far over the time waited, marked incomplete)
   * @param instrument what the application adds to the dispatcher and around each published batch
   *     ({@link HooklinePhase.Instrumentation#OFF}: nothing, default settings)
   */
  static Result run(
      Store store,
      String sinkBase,
      int endpoints,
      int notReceiving,
      int deliveries,
      int bodyBytes,
      Duration maxWait,
      HooklinePhase.Instrumentation instrument) {
    WebhookRegistry registry = Setups.registry(store);
    Setups.receiving(registry, sinkBase, endpoints, UserEvents.CREATED);
    Setups.notReceiving(registry, sinkBase, notReceiving, UserEvents.CREATED);
    int events = Math.max(1, deliveries / endpoints);
    long expected = (long) events * endpoints;
    AtomicLong delivered = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    DeliveryListener count =
        new DeliveryListener() {
          @Override
          public void attemptSucceeded(Delivery d, Attempt a) {
            delivered.incrementAndGet();
          }

          @Override
          public void attemptFailed(Delivery d, Attempt a, Optional<Instant> next) {
            failed.incrementAndGet();
          }
        };
    ObjectNode data = Setups.data(bodyBytes);
    // Default settings: only the registry and a listener to count with (and the instrument's).
    try (Dispatcher dispatcher =
        instrument
            .configure(Dispatcher.builder().registry(registry).listener(count))
            .build()
            .start()) {
      long start = System.nanoTime();
      List<Event> batch = new ArrayList<>(BATCH);
      for (int i = 0; i < events; i++) {
        batch.add(Setups.event(UserEvents.CREATED, "evt_b" + i + "_" + start, data));
        if (batch.size() == BATCH || i == events - 1) {
          instrument.publish(dispatcher, batch);
          batch = new ArrayList<>(BATCH);
        }
      }
      long remaining = maxWait.toNanos() - (System.nanoTime() - start);
      Setups.await(() -> delivered.get() >= expected, Math.max(0, remaining));
      double seconds = (System.nanoTime() - start) / 1e9;
      return new Result(delivered.get(), expected, seconds, failed.get());
    }
  }
}
