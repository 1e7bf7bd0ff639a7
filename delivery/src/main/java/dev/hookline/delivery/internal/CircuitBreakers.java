package dev.hookline.delivery.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Each endpoint's circuit breaker, in this dispatcher instance. It opens when, over the last {@code
 * window} attempts (at least {@code minRequests} of them), the failure rate reaches {@code
 * failureRate}. While it is open the endpoint gets no requests and its deliveries stay queued;
 * after {@code coolDown} one probe goes out (half-open): success closes the breaker, failure opens
 * it again. A granted request that does not go out (cancelled, cut off by shutdown, an internal
 * error) must be {@linkplain #abandon abandoned}, so a probe slot is never lost.
 *
 * <p>Thread-safe: each endpoint's state is guarded by its own monitor.
 */
public final class CircuitBreakers {

  private enum Circuit {
    CLOSED,
    OPEN,
    HALF_OPEN
  }

  private final int window;
  private final int minRequests;
  private final double failureRate;
  private final Duration coolDown;
  private final ConcurrentHashMap<String, State> states = new ConcurrentHashMap<>();

  /** Endpoints whose breaker is not closed: the only ones {@link #blocked} needs to look at. */
  private final Set<String> notClosed = ConcurrentHashMap.newKeySet();

  /**
   * Creates the breakers.
   *
   * @param window how many recent attempts the failure rate is taken over
   * @param minRequests fewest attempts in the window before the breaker may open
   * @param failureRate failure rate (0..1] that opens the breaker
   * @param coolDown how long the breaker stays open before a probe
   */
  public CircuitBreakers(int window, int minRequests, double failureRate, Duration coolDown) {
    this.window = window;
    this.minRequests = minRequests;
    this.failureRate = failureRate;
    this.coolDown = coolDown;
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
    return notClosed(now, false);
  }

  /**
   * The endpoints whose breaker would grant a probe now: open with its cool-down over, or half-open
   * with no probe out. A claim should bring one delivery of each, not as many as the endpoint could
   * take: all but the probe would go back to the Store, one write each.
   *
   * @param now the time
   * @return webhook ids
   */
  public Set<String> awaitingProbe(Instant now) {
    return notClosed(now, true);
  }

  /**
   * The endpoints whose breaker is not closed and would grant a probe now ({@code grantsProbe}), or
   * would not (blocked: open and cooling down, or half-open with its probe out).
   */
  private Set<String> notClosed(Instant now, boolean grantsProbe) {
    Set<String> out = new HashSet<>();
    for (String id : notClosed) {
      State s = states.get(id);
      if (s == null) {
        continue;
      }
      synchronized (s) {
        boolean blocked =
            (s.circuit == Circuit.OPEN && now.isBefore(s.openedAt.plus(coolDown)))
                || (s.circuit == Circuit.HALF_OPEN && s.probing);
        if (s.circuit != Circuit.CLOSED && blocked != grantsProbe) {
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
  public EndpointHealth.Permit tryAcquire(String id, Instant now) {
    State s = states.get(id);
    if (s == null) {
      return EndpointHealth.Permit.GRANTED;
    }
    synchronized (s) {
      switch (s.circuit) {
        case CLOSED:
          return EndpointHealth.Permit.GRANTED;
        case OPEN:
          if (now.isBefore(s.openedAt.plus(coolDown))) {
            return EndpointHealth.Permit.DENIED;
          }
          s.circuit = Circuit.HALF_OPEN;
          s.probing = true;
          return EndpointHealth.Permit.PROBE;
        case HALF_OPEN:
        default:
          if (s.probing) {
            return EndpointHealth.Permit.DENIED;
          }
          s.probing = true;
          return EndpointHealth.Permit.PROBE;
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
  public void abandon(String id, EndpointHealth.Permit permit) {
    if (permit != EndpointHealth.Permit.PROBE) {
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
   * Records a successful attempt: the breaker closes.
   *
   * @param id the webhook id
   */
  public void onSuccess(String id) {
    State s = state(id);
    synchronized (s) {
      s.push(false);
      if (s.circuit != Circuit.CLOSED) {
        s.circuit = Circuit.CLOSED;
        s.probing = false;
        s.clearWindow();
        s.push(false);
        notClosed.remove(id);
      }
    }
  }

  /**
   * Records a failed attempt: a half-open breaker opens again; a closed one opens once the failure
   * rate over the window reaches the threshold.
   *
   * @param id the webhook id
   * @param now the time
   */
  public void onFailure(String id, Instant now) {
    State s = state(id);
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
    }
  }

  /**
   * Forgets an endpoint's breaker.
   *
   * @param id the webhook id
   */
  public void reset(String id) {
    states.remove(id);
    notClosed.remove(id);
  }

  /**
   * Forgets every endpoint not in {@code ids}.
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
    @Nullable State s = states.get(id);
    if (s == null) {
      return false;
    }
    synchronized (s) {
      return s.circuit != Circuit.CLOSED;
    }
  }

  /**
   * Counts the breakers that are open or half-open.
   *
   * @return how many
   */
  public int openCount() {
    int n = 0;
    for (String id : notClosed) {
      if (isOpen(id)) {
        n++;
      }
    }
    return n;
  }
}
