package dev.hookline.delivery.internal;

import dev.hookline.spi.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-endpoint health: a circuit breaker, and the clock of continuous failure.
 *
 * <h2>Circuit breaker (per dispatcher instance)</h2>
 *
 * The breaker opens when, over the last {@code window} attempts (at least {@code minRequests} of
 * them), the failure rate reaches {@code failureRate}. While it is open the endpoint gets no
 * requests and its deliveries stay queued; after {@code coolDown} one probe goes out (half-open):
 * success closes the breaker, failure opens it again. A granted request that does not go out
 * (cancelled, cut off by shutdown, an internal error) must be {@linkplain #abandon abandoned}, so a
 * probe slot is never lost.
 *
 * <h2>Failure clock (shared through the Store)</h2>
 *
 * The time an endpoint started failing lives in the {@link Store} ({@link
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
public final class EndpointHealth {
  private static final Logger log = LoggerFactory.getLogger(EndpointHealth.class);

  /** What {@link #tryAcquire} grants. */
  public enum Permit {
    /** The breaker is open (or its probe is out): send nothing. */
    DENIED,
    /** The breaker is closed: send. */
    GRANTED,
    /** The breaker is half-open and this is its one probe: send, then report the outcome. */
    PROBE
  }

  private final Store store;
  private final int window;
  private final int minRequests;
  private final double failureRate;
  private final Duration coolDown;
  private final Duration disableAfter;
  private final Duration syncInterval;
  private final ConcurrentHashMap<String, State> states = new ConcurrentHashMap<>();

  /** Endpoints whose breaker is not closed: the only ones {@link #blocked} needs to look at. */
  private final Set<String> notClosed = ConcurrentHashMap.newKeySet();

  /**
   * Creates the tracker.
   *
   * @param store where the failure clock lives
   * @param window how many recent attempts the failure rate is taken over
   * @param minRequests fewest attempts in the window before the breaker may open
   * @param failureRate failure rate (0..1] that opens the breaker
   * @param coolDown how long the breaker stays open before a probe
   * @param disableAfter continuous failure after which the webhook is disabled
   */
  public EndpointHealth(
      Store store,
      int window,
      int minRequests,
      double failureRate,
      Duration coolDown,
      Duration disableAfter) {
    validate(window, minRequests, failureRate, coolDown, disableAfter);
    this.store = Objects.requireNonNull(store, "store");
    this.window = window;
    this.minRequests = minRequests;
    this.failureRate = failureRate;
    this.coolDown = coolDown;
    this.disableAfter = disableAfter;
    Duration tenth = disableAfter.dividedBy(10);
    this.syncInterval = tenth.compareTo(Duration.ofHours(1)) < 0 ? tenth : Duration.ofHours(1);
  }

  /**
   * Checks breaker settings.
   *
   * @param window how many recent attempts the failure rate is taken over
   * @param minRequests fewest attempts in the window before the breaker may open
   * @param failureRate failure rate (0..1] that opens the breaker
   * @param coolDown how long the breaker stays open before a probe
   * @param disableAfter continuous failure after which the webhook is disabled
   * @throws IllegalArgumentException naming the setting that is out of range
   */
  public static void validate(
      int window, int minRequests, double failureRate, Duration coolDown, Duration disableAfter) {
    if (window < 1 || minRequests < 1 || minRequests > window) {
      throw new IllegalArgumentException(
          "circuit breaker needs 1 <= minRequests <= window, got minRequests="
              + minRequests
              + " window="
              + window);
    }
    if (!(failureRate > 0 && failureRate <= 1)) {
      throw new IllegalArgumentException("failureRate must be in (0, 1], was " + failureRate);
    }
    Objects.requireNonNull(coolDown, "coolDown");
    Objects.requireNonNull(disableAfter, "disableAfter");
    if (coolDown.isNegative() || coolDown.isZero()) {
      throw new IllegalArgumentException("coolDown must be positive, was " + coolDown);
    }
  }

  private enum Circuit {
    CLOSED,
    OPEN,
    HALF_OPEN
  }

  private static final class State {
    /** The last {@code window} outcomes, as a ring; true is a failure. */
    final boolean[] ring;

    int size;
    int next;
    int failures;
    Circuit circuit = Circuit.CLOSED;
    Instant openedAt = Instant.EPOCH;
    boolean probing;

    /** When the current run of failures began, as this instance saw it; null: not failing. */
    @Nullable Instant runStart;

    /** The Store's clock once this instance marked it for the current run; null: not marked. */
    @Nullable Instant failingSince;

    /** When this instance last stopped the Store's clock; null: not since it started. */
    @Nullable Instant lastCleared;

    /** A clear that failed: done before the next mark. */
    boolean clearPending;

    boolean disableReported;

    State(int window) {
      this.ring = new boolean[window];
    }

    void push(boolean failed) {
      if (size == ring.length) {
        if (ring[next]) {
          failures--;
        }
      } else {
        size++;
      }
      ring[next] = failed;
      if (failed) {
        failures++;
      }
      next = (next + 1) % ring.length;
    }

    void clearWindow() {
      size = 0;
      next = 0;
      failures = 0;
    }
  }

  private State state(String id) {
    return states.computeIfAbsent(id, k -> new State(window));
  }

  /**
   * Returns the endpoints that must get no request now: open breakers still cooling down, and
   * half-open ones whose probe is out.
   *
   * @param now the time
   * @return webhook ids to leave out of claims
   */
  public Set<String> blocked(Instant now) {
    Set<String> out = new HashSet<>();
    for (String id : notClosed) {
      State s = states.get(id);
      if (s == null) {
        continue;
      }
      synchronized (s) {
        if ((s.circuit == Circuit.OPEN && now.isBefore(s.openedAt.plus(coolDown)))
            || (s.circuit == Circuit.HALF_OPEN && s.probing)) {
          out.add(id);
        }
      }
    }
    return out;
  }

  /**
   * Asks to send one request to an endpoint now. A closed breaker always grants; an open one whose
   * cool-down is over grants exactly one probe. A granted request that is then not sent must be
   * {@linkplain #abandon abandoned}.
   *
   * @param id the webhook id
   * @param now the time
   * @return whether, and as what, the request may go out
   */
  public Permit tryAcquire(String id, Instant now) {
    State s = states.get(id);
    if (s == null) {
      return Permit.GRANTED;
    }
    synchronized (s) {
      switch (s.circuit) {
        case CLOSED:
          return Permit.GRANTED;
        case OPEN:
          if (now.isBefore(s.openedAt.plus(coolDown))) {
            return Permit.DENIED;
          }
          s.circuit = Circuit.HALF_OPEN;
          s.probing = true;
          return Permit.PROBE;
        case HALF_OPEN:
        default:
          if (s.probing) {
            return Permit.DENIED;
          }
          s.probing = true;
          return Permit.PROBE;
      }
    }
  }

  /**
   * Gives back a permit whose request never went out, so a half-open breaker can send another
   * probe. Does nothing for a {@link Permit#GRANTED} permit.
   *
   * @param id the webhook id
   * @param permit what {@link #tryAcquire} granted
   */
  public void abandon(String id, Permit permit) {
    if (permit != Permit.PROBE) {
      return;
    }
    State s = states.get(id);
    if (s == null) {
      return;
    }
    synchronized (s) {
      if (s.circuit == Circuit.HALF_OPEN) {
        s.probing = false;
      }
    }
  }

  /**
   * Records a successful attempt: the breaker closes, and the failure clock stops here and in the
   * Store.
   *
   * @param id the webhook id
   * @param now the time
   */
  public void onSuccess(String id, Instant now) {
    State s = state(id);
    boolean clearStore;
    synchronized (s) {
      s.push(false);
      if (s.circuit != Circuit.CLOSED) {
        s.circuit = Circuit.CLOSED;
        s.probing = false;
        s.clearWindow();
        s.push(false);
        notClosed.remove(id);
      }
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
      return true;
    } catch (RuntimeException e) {
      synchronized (s) {
        s.lastCleared = null; // try again on the next success...
        s.clearPending = true; // ...and before the next mark
      }
      log.warn("could not stop the endpoint's failure clock in the store: webhook={}", id, e);
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
      s.push(true);
      if (s.circuit == Circuit.HALF_OPEN) {
        s.circuit = Circuit.OPEN;
        s.openedAt = now;
        s.probing = false;
      } else if (s.circuit == Circuit.CLOSED
          && s.size >= minRequests
          && s.failures >= failureRate * s.size) {
        s.circuit = Circuit.OPEN;
        s.openedAt = now;
        notClosed.add(id);
      }
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
   * Forgets an endpoint's local history (the webhook was re-enabled, moved or deleted). The Store's
   * clock is reset by the registry.
   *
   * @param id the webhook id
   */
  public void reset(String id) {
    states.remove(id);
    notClosed.remove(id);
  }

  /**
   * Forgets every endpoint not in {@code ids} (webhooks deleted, including state an attempt still
   * in flight recreated after a reset).
   *
   * @param ids the webhooks that exist
   */
  public void retainOnly(Set<String> ids) {
    states.keySet().retainAll(ids);
    notClosed.retainAll(ids);
  }

  /**
   * Returns whether the endpoint's breaker is open or half-open.
   *
   * @param id the webhook id
   * @return true if not closed
   */
  public boolean isOpen(String id) {
    State s = states.get(id);
    if (s == null) {
      return false;
    }
    synchronized (s) {
      return s.circuit != Circuit.CLOSED;
    }
  }
}
