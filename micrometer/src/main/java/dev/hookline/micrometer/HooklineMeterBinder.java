package dev.hookline.micrometer;

import dev.hookline.DeliveryCounts;
import dev.hookline.delivery.Dispatcher;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * Gauges of a dispatcher's queue and endpoints: {@value #PENDING} and {@value #RETRYING} deliveries
 * (over the webhooks the dispatcher knows; with a shared Store, every instance reports the same
 * numbers), and {@value #OPEN_BREAKERS} (this instance's circuit breakers that are open or
 * half-open).
 *
 * <p>Counting deliveries costs a Store query per webhook, so the counts are cached: read at most
 * once per refresh interval (default 30 s), when a gauge is read. Thread-safe.
 */
public final class HooklineMeterBinder implements MeterBinder {
  /** Gauge of deliveries waiting for their first attempt. */
  public static final String PENDING = "hookline.deliveries.pending";

  /** Gauge of deliveries waiting for a retry. */
  public static final String RETRYING = "hookline.deliveries.retrying";

  /** Gauge of circuit breakers that are open or half-open in this dispatcher. */
  public static final String OPEN_BREAKERS = "hookline.circuit.breakers.open";

  private final Dispatcher dispatcher;
  private final Clock clock;
  private final Duration refresh;
  private final Object lock = new Object();
  private @Nullable DeliveryCounts counts;
  private Instant readAt = Instant.MIN;

  private HooklineMeterBinder(Dispatcher dispatcher, Clock clock, Duration refresh) {
    this.dispatcher = dispatcher;
    this.clock = clock;
    this.refresh = refresh;
  }

  /**
   * Creates gauges for the dispatcher, refreshed at most every 30 s.
   *
   * @param dispatcher the dispatcher
   * @return the binder
   */
  public static HooklineMeterBinder of(Dispatcher dispatcher) {
    return of(dispatcher, Clock.systemUTC(), Duration.ofSeconds(30));
  }

  /**
   * Creates gauges for the dispatcher.
   *
   * @param dispatcher the dispatcher
   * @param clock the clock the refresh interval is measured on
   * @param refresh how long counts are reused, zero to 1 hour
   * @return the binder
   * @throws IllegalArgumentException if the refresh interval is out of range
   */
  public static HooklineMeterBinder of(Dispatcher dispatcher, Clock clock, Duration refresh) {
    Objects.requireNonNull(dispatcher, "dispatcher");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(refresh, "refresh");
    if (refresh.isNegative() || refresh.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException("refresh is " + refresh + "; it must be zero to 1 hour");
    }
    return new HooklineMeterBinder(dispatcher, clock, refresh);
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    gauge(registry, PENDING, "Deliveries waiting for their first attempt", c -> c.pending());
    gauge(registry, RETRYING, "Deliveries waiting for a retry", c -> c.retrying());
    Gauge.builder(OPEN_BREAKERS, dispatcher, Dispatcher::openCircuitBreakers)
        .description("Circuit breakers open or half-open in this dispatcher")
        .strongReference(true)
        .register(registry);
  }

  private void gauge(
      MeterRegistry registry, String name, String description, ToDoubleFunction<DeliveryCounts> f) {
    Gauge.builder(name, this, b -> f.applyAsDouble(b.counts()))
        .description(description)
        .strongReference(true) // the registry keeps the binder, which nothing else may hold
        .register(registry);
  }

  /** The cached counts, read again once the refresh interval has passed. */
  DeliveryCounts counts() {
    synchronized (lock) {
      Instant now = clock.instant();
      DeliveryCounts c = counts;
      if (c == null || !now.isBefore(readAt.plus(refresh))) {
        c = dispatcher.summary();
        counts = c;
        readAt = now;
      }
      return c;
    }
  }

  @Override
  public String toString() {
    return "HooklineMeterBinder[refresh=" + refresh + "]";
  }
}
