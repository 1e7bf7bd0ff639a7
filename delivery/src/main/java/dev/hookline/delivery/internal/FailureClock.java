package dev.hookline.delivery.internal;

import dev.hookline.delivery.Dispatcher;
import dev.hookline.spi.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clock of each endpoint's continuous failure, shared through the Store.
 *
 * <p>The time an endpoint started failing lives in the {@link Store} ({@link
 * Store#markEndpointFailing}), so it survives restarts and every instance sharing the Store sees
 * the same clock. To keep Store traffic off the attempt path, this class remembers when the current
 * run of failures began locally and marks the Store (with that time) only once the run has lasted
 * {@code syncInterval} (at most an hour, at most a tenth of {@code disableAfter}): a flapping
 * endpoint costs no Store write. A success ends the run and clears the Store if this instance
 * marked it, and at least every {@code syncInterval} anyway, so a clock another instance started is
 * stopped by this one's successes. Before reporting that the endpoint has failed for {@code
 * disableAfter}, the Store is read again. Store errors never break a delivery: the bookkeeping is
 * retried on the next attempt (a clear that failed is retried before the next mark, so a lost clear
 * cannot bring back an old start).
 *
 * <p>Thread-safe: each endpoint's state is guarded by its own monitor; Store calls are made outside
 * it.
 */
public final class FailureClock {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  private final Store store;
  private final Duration disableAfter;
  private final Duration syncInterval;
  private final ConcurrentHashMap<String, State> states = new ConcurrentHashMap<>();

  /**
   * Whether a failure to stop the Store's clock was logged at WARN since one last succeeded: while
   * the database is down every success fails so, one line tells it (the rest go to DEBUG).
   */
  private final AtomicBoolean clearFailureLogged = new AtomicBoolean();

  /**
   * Creates the clock.
   *
   * @param store where the shared clock lives
   * @param disableAfter continuous failure after which the webhook is disabled
   */
  public FailureClock(Store store, Duration disableAfter) {
    this.store = Objects.requireNonNull(store, "store");
    this.disableAfter = Objects.requireNonNull(disableAfter, "disableAfter");
    Duration tenth = disableAfter.dividedBy(10);
    this.syncInterval = tenth.compareTo(Duration.ofHours(1)) < 0 ? tenth : Duration.ofHours(1);
  }

  private static final class State {
    /** When the current run of failures began, as this instance saw it; null: not failing. */
    @Nullable Instant runStart;

    /** The Store's clock once this instance marked it for the current run; null: not marked. */
    @Nullable Instant failingSince;

    /** When this instance last stopped the Store's clock; null: not since it started. */
    @Nullable Instant lastCleared;

    /** A clear that failed: done before the next mark. */
    boolean clearPending;

    boolean disableReported;
  }

  private State state(String id) {
    return states.computeIfAbsent(id, k -> new State());
  }

  /**
   * Records a successful attempt: the failure clock stops here and in the Store.
   *
   * @param id the webhook id
   * @param now the time
   */
  public void onSuccess(String id, Instant now) {
    State s = state(id);
    boolean clearStore;
    synchronized (s) {
      Instant cleared = s.lastCleared;
      clearStore =
          s.failingSince != null
              || s.clearPending
              || cleared == null
              || !now.isBefore(cleared.plus(syncInterval));
      s.runStart = null;
      s.failingSince = null;
      s.disableReported = false;
      if (clearStore) {
        s.lastCleared = now; // claimed before the call, so concurrent successes make one call
        s.clearPending = false;
      }
    }
    if (clearStore) {
      clearInStore(id, s);
    }
  }

  private boolean clearInStore(String id, State s) {
    try {
      store.clearEndpointFailing(id);
      clearFailureLogged.set(false);
      return true;
    } catch (RuntimeException e) {
      synchronized (s) {
        s.lastCleared = null; // try again on the next success...
        s.clearPending = true; // ...and before the next mark
      }
      if (clearFailureLogged.compareAndSet(false, true)) {
        log.warn(
            "could not stop the endpoint's failure clock in the store (further failures are logged"
                + " at DEBUG until one succeeds): webhook={}",
            id,
            e);
      } else {
        log.debug(
            "could not stop the endpoint's failure clock in the store: webhook={} error={}",
            id,
            e.toString());
      }
      return false;
    }
  }

  /**
   * Records a failed attempt.
   *
   * @param id the webhook id
   * @param now the time
   * @return when the endpoint started failing, if it has now failed without a success for {@code
   *     disableAfter} by the Store's shared clock (reported once, until {@link #disableFailed} or a
   *     success)
   */
  public Optional<Instant> onFailure(String id, Instant now) {
    State s = state(id);
    Instant runStart;
    @Nullable Instant known;
    boolean clearFirst;
    synchronized (s) {
      if (s.runStart == null) {
        s.runStart = now;
      }
      runStart = s.runStart;
      if (s.disableReported || now.isBefore(runStart.plus(syncInterval))) {
        return Optional.empty(); // a short run, or already reported: no Store call
      }
      known = s.failingSince;
      if (known != null && now.isBefore(known.plus(disableAfter))) {
        return Optional.empty(); // marked, and not due yet: no Store call
      }
      clearFirst = s.clearPending;
    }
    if (clearFirst && !clearInStore(id, s)) {
      return Optional.empty(); // marking now could revive the old start: wait for the clear
    }
    if (clearFirst) {
      synchronized (s) {
        s.clearPending = false;
      }
    }
    try {
      Instant since;
      boolean restarted = false;
      if (known == null) {
        since = store.markEndpointFailing(id, runStart);
      } else {
        // Due by what this instance knew: confirm with the Store, where another instance's
        // success (or a re-enable) may have stopped the clock meanwhile. If it has, the endpoint
        // succeeded after this instance's run began: a new run starts now.
        Optional<Instant> stored = store.endpointFailingSince(id);
        restarted = stored.isEmpty();
        since = restarted ? store.markEndpointFailing(id, now) : stored.get();
      }
      synchronized (s) {
        if (restarted) {
          s.runStart = now;
        }
        s.failingSince = since;
        if (!s.disableReported && !now.isBefore(since.plus(disableAfter))) {
          s.disableReported = true;
          return Optional.of(since);
        }
      }
    } catch (RuntimeException e) {
      log.warn(
          "could not read or start the endpoint's failure clock in the store: webhook={}", id, e);
    }
    return Optional.empty();
  }

  /**
   * Says that disabling the endpoint's webhook failed, so the next failure reports it again.
   *
   * @param id the webhook id
   */
  public void disableFailed(String id) {
    State s = states.get(id);
    if (s != null) {
      synchronized (s) {
        s.disableReported = false;
      }
    }
  }

  /**
   * Forgets an endpoint's local run (the Store's clock is reset by the registry).
   *
   * @param id the webhook id
   */
  public void reset(String id) {
    states.remove(id);
  }

  /**
   * Forgets every endpoint not in {@code ids}.
   *
   * @param ids the webhooks that exist
   */
  public void retainOnly(Set<String> ids) {
    states.keySet().retainAll(ids);
  }
}
