package dev.hookline.micrometer;

import dev.hookline.DeliveryCounts;
import dev.hookline.delivery.Dispatcher;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.lang.ref.WeakReference;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * Gauges of a dispatcher's queue and endpoints: {@value #PENDING} and {@value #RETRYING} deliveries
 * (over the webhooks the dispatcher knows; with a shared Store, every instance reports the same
 * numbers), and {@value #OPEN_BREAKERS} (this instance's circuit breakers that are open or
 * half-open).
 *
 * <p>Counting deliveries costs a Store query per webhook, so the counts are cached: read when a
 * gauge is read, at most once per refresh interval (default 30 s) after the last read ended.
 *
 * <p>One dispatcher's gauges per registry: binding to a registry that has these gauges already
 * (another binder's, say of the dispatcher a refreshed application context replaced) replaces them,
 * so the registry reads the dispatcher bound last. {@link #close()} removes this binder's gauges
 * again; close it with the dispatcher. The registry holds the dispatcher only weakly: once it is
 * unreachable elsewhere, the gauges read NaN. Thread-safe.
 */
public final class HooklineMeterBinder implements MeterBinder, AutoCloseable {
  /** Gauge of deliveries waiting for their first attempt. */
  public static final String PENDING = "hookline.deliveries.pending";

  /** Gauge of deliveries waiting for a retry. */
  public static final String RETRYING = "hookline.deliveries.retrying";

  /** Gauge of circuit breakers that are open or half-open in this dispatcher. */
  public static final String OPEN_BREAKERS = "hookline.circuit.breakers.open";

  /**
   * Held by every binder while it binds or unbinds: replacing another binder's gauge, or removing
   * one's own only while it is still registered, must not interleave with another binder's turn.
   */
  private static final Object REGISTRATIONS = new Object();

  /**
   * Weak: the registry keeps this binder for as long as it keeps the gauges, and must not keep a
   * closed dispatcher (and its Store) with it.
   */
  private final WeakReference<Dispatcher> dispatcher;

  private final Clock clock;
  private final Duration refresh;
  private final Object lock = new Object();
  private @Nullable DeliveryCounts counts;
  private Instant readAt = Instant.MIN;

  /** Whether the last read failed: then nothing is read again until {@code refresh} passed. */
  private boolean lastReadFailed; // guarded by lock

  /** Whether a thread is reading the Store now. */
  private boolean reading; // guarded by lock

  /** The gauges this binder registered, with their registries; guarded by REGISTRATIONS. */
  private final List<Registered> registered = new ArrayList<>();

  private boolean closed; // guarded by REGISTRATIONS

  private record Registered(MeterRegistry registry, Meter meter) {}

  private HooklineMeterBinder(Dispatcher dispatcher, Clock clock, Duration refresh) {
    this.dispatcher = new WeakReference<>(dispatcher);
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

  /**
   * Registers the three gauges, replacing those of the same names the registry has already.
   *
   * @param registry the registry
   * @throws IllegalStateException if this binder is closed
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    synchronized (REGISTRATIONS) {
      if (closed) {
        throw new IllegalStateException("This HooklineMeterBinder is closed");
      }
      registered.removeIf(r -> r.registry() == registry); // bound again: those are replaced now
      register(
          registry,
          PENDING,
          "Deliveries waiting for their first attempt",
          b -> b.count(DeliveryCounts::pending));
      register(
          registry,
          RETRYING,
          "Deliveries waiting for a retry",
          b -> b.count(DeliveryCounts::retrying));
      register(
          registry,
          OPEN_BREAKERS,
          "Circuit breakers open or half-open in this dispatcher",
          HooklineMeterBinder::openBreakers);
    }
  }

  private void register(
      MeterRegistry registry,
      String name,
      String description,
      ToDoubleFunction<HooklineMeterBinder> f) {
    // Micrometer hands back a gauge already registered under the same id, still reading whatever
    // it was built on (a closed dispatcher, after a context refresh): replace it instead.
    registry.removeByPreFilterId(new Meter.Id(name, Tags.empty(), null, null, Meter.Type.GAUGE));
    Gauge g =
        Gauge.builder(name, this, f)
            .description(description)
            // The registry keeps this binder, which nothing else may hold; not the dispatcher.
            .strongReference(true)
            .register(registry);
    registered.add(new Registered(registry, g));
  }

  /**
   * Removes the gauges this binder registered from every registry it was bound to (those another
   * binder has replaced since stay), and stops reading the dispatcher. Idempotent.
   */
  @Override
  public void close() {
    synchronized (REGISTRATIONS) {
      closed = true;
      for (Registered r : registered) {
        if (isStillRegistered(r)) {
          r.registry().remove(r.meter());
        }
      }
      registered.clear();
    }
    dispatcher.clear();
  }

  /** Whether the registry still holds this very meter: a replaced one's id names another's. */
  private static boolean isStillRegistered(Registered r) {
    for (Meter m : r.registry().find(r.meter().getId().getName()).meters()) {
      if (m == r.meter()) {
        return true;
      }
    }
    return false;
  }

  private double openBreakers() {
    Dispatcher d = dispatcher.get();
    return d == null ? Double.NaN : d.openCircuitBreakers();
  }

  private double count(ToDoubleFunction<DeliveryCounts> f) {
    DeliveryCounts c = counts();
    return c == null ? Double.NaN : f.applyAsDouble(c);
  }

  /**
   * The cached counts, read again once the refresh interval has passed since the last read ended;
   * null once it is gone. One thread at a time reads the Store, outside the lock: a gauge read
   * meanwhile gets the last counts (null after a failed read) instead of waiting, so a hanging
   * Store holds one scrape, not all.
   */
  private @Nullable DeliveryCounts counts() {
    Dispatcher d = dispatcher.get();
    if (d == null) {
      return null;
    }
    synchronized (lock) {
      Instant now = clock.instant();
      DeliveryCounts c = counts;
      // A clock stepped back (NTP, a resumed VM) puts the last read in the future: that read is
      // not fresh, or the counts would stay as they were until the clock caught up with it.
      boolean fresh = !now.isBefore(readAt) && now.isBefore(readAt.plus(refresh));
      if ((fresh && (c != null || lastReadFailed)) || reading) {
        return c; // null after a failed read: NaN until the next refresh
      }
      reading = true;
    }
    DeliveryCounts c = null;
    try {
      c = d.summary();
      return c;
    } finally {
      // A failing Store (PostgreSQL down: each query waits for a connection) is asked again only
      // after the refresh, as when it answers, not on every gauge read of every scrape. The
      // refresh counts from when the read ended: a read that took as long as the refresh (the
      // pool's connection timeout is 30 s by default) would otherwise be stale as it came, and
      // the Store asked again, back to back, at every scrape.
      synchronized (lock) {
        counts = c;
        readAt = clock.instant();
        lastReadFailed = c == null;
        reading = false;
      }
    }
  }

  @Override
  public String toString() {
    return "HooklineMeterBinder[refresh=" + refresh + "]";
  }
}
