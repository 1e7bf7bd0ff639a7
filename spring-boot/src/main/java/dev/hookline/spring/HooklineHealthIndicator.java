package dev.hookline.spring;

import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.internal.access.DispatcherAccess;
import dev.hookline.spi.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * The {@code hookline} health: DOWN when the dispatcher is closing or closed or the Store does not
 * answer a lookup within the timeout. The details give the dispatcher's state (as the dispatcher
 * has it, whether the context or the application started or closed it), the Store's class (when the
 * starter sees the Store in use) and, when the Store failed, the classes of the exception and its
 * causes: never a message, which may carry a JDBC URL or a password (the exception itself is
 * logged).
 *
 * <p>Thread-safe: at most one Store lookup runs at a time, on the indicator's own daemon thread;
 * checks made meanwhile wait for that lookup instead of starting another, so a Store that hangs
 * holds one thread, not one per check.
 */
final class HooklineHealthIndicator implements HealthIndicator, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HooklineHealthIndicator.class);

  /** A webhook id that is never generated: the lookup is a cheap miss. */
  static final String PROBE_ID = "hookline-health-probe";

  private final @Nullable Store store;
  private final @Nullable Dispatcher dispatcher;
  private final @Nullable DispatcherLifecycle lifecycle;
  private final Duration timeout;
  private final ThreadPoolExecutor probes;
  private final Object lock = new Object();

  /** The latest lookup; guarded by {@link #lock}. */
  private @Nullable Future<?> probe;

  /**
   * @param store the Store to check, or null to leave it out (the application's registry uses one
   *     that is not a bean)
   * @param dispatcher the dispatcher to report on, or null to leave it out (there are several)
   * @param lifecycle the starter's lifecycle of that dispatcher, or null if the application
   *     replaced it: whether the context starts the dispatcher
   */
  HooklineHealthIndicator(
      @Nullable Store store,
      @Nullable Dispatcher dispatcher,
      @Nullable DispatcherLifecycle lifecycle,
      Duration timeout) {
    this.store = store;
    this.dispatcher = dispatcher;
    this.lifecycle = lifecycle;
    this.timeout = timeout;
    this.probes =
        new ThreadPoolExecutor(
            1,
            1,
            1,
            TimeUnit.MINUTES,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "hookline-health");
              t.setDaemon(true);
              return t;
            });
    probes.allowCoreThreadTimeOut(true); // no thread kept between checks a minute apart
  }

  @Override
  public Health health() {
    Health.Builder health = Health.up();
    Dispatcher d = dispatcher;
    if (d != null) {
      switch (DispatcherAccess.state(d)) {
        case RUNNING -> health.withDetail("dispatcher", "running");
        case CLOSING -> health.down().withDetail("dispatcher", "closing");
        case CLOSED -> health.down().withDetail("dispatcher", "closed");
        case NOT_STARTED -> notStarted(health);
      }
    }
    Store s = store;
    if (s != null) {
      health.withDetail("store", s.getClass().getName());
      String failure = checkStore(s);
      if (failure != null) {
        health.down().withDetail("storeError", failure);
      }
    }
    return health.build();
  }

  /** Whether a dispatcher not started yet counts against health: only if the context starts it. */
  private void notStarted(Health.Builder health) {
    DispatcherLifecycle l = lifecycle;
    if (l == null) {
      // The application's own lifecycle bean (or its code) starts it: nothing to judge here.
      health.withDetail("dispatcher", "not started");
    } else if (!l.isAutoStartup()) {
      // The application starts it, or drives it with runDueNow(): nothing to judge here.
      health.withDetail("dispatcher", "not started (auto-start=false)");
    } else {
      health.unknown().withDetail("dispatcher", "not started yet");
    }
  }

  /** Looks a webhook up in the Store; returns null if it answered, else what went wrong. */
  private @Nullable String checkStore(Store store) {
    Future<?> current;
    try {
      synchronized (lock) {
        Future<?> p = probe;
        if (p == null || p.isDone()) {
          p = probes.submit(() -> store.findWebhook(PROBE_ID));
          probe = p;
        }
        current = p;
      }
    } catch (RejectedExecutionException e) {
      return "the health indicator is closed";
    }
    try {
      current.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return null;
    } catch (TimeoutException e) {
      log.warn("Hookline health: the Store did not answer a lookup within {}", timeout);
      return "no answer within " + timeout.toMillis() + "ms";
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      log.warn("Hookline health: the Store failed a lookup", cause);
      return classes(cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while waiting for the Store";
    }
  }

  /** The exception's class and its causes' classes: their messages may carry credentials. */
  private static String classes(Throwable t) {
    List<String> names = new ArrayList<>();
    for (Throwable c = t; c != null && names.size() < 5; c = c.getCause()) {
      names.add(c.getClass().getName());
    }
    return String.join(" caused by ", names);
  }

  /** Stops the lookup thread; Spring calls it when the context closes. */
  @Override
  public void close() {
    probes.shutdownNow();
  }

  @Override
  public String toString() {
    Store s = store;
    return "HooklineHealthIndicator[store=" + (s == null ? "none" : s.getClass().getName()) + "]";
  }
}
