package dev.hookline.delivery.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Per-endpoint health: a circuit breaker and the clock of continuous failure.
 *
 * <p>The breaker opens when, over the last {@code window} attempts (at least {@code minRequests} of
 * them), the failure rate reaches {@code failureRate}. While it is open the endpoint gets no
 * requests and its deliveries stay queued; after {@code coolDown} one probe goes out (half-open):
 * success closes the breaker, failure opens it again. Independently, an endpoint that has failed
 * without a single success for {@code disableAfter} is reported once, so the dispatcher can disable
 * the webhook. Time comes from the callers (the dispatcher's clock).
 *
 * <p>Thread-safe: each endpoint's state is guarded by its own monitor.
 */
public final class EndpointHealth {
  private final int window;
  private final int minRequests;
  private final double failureRate;
  private final Duration coolDown;
  private final Duration disableAfter;
  private final ConcurrentHashMap<String, State> states = new ConcurrentHashMap<>();

  /**
   * Creates the tracker.
   *
   * @param window how many recent attempts the failure rate is taken over
   * @param minRequests fewest attempts in the window before the breaker may open
   * @param failureRate failure rate (0..1] that opens the breaker
   * @param coolDown how long the breaker stays open before a probe
   * @param disableAfter continuous failure after which the webhook is disabled
   */
  public EndpointHealth(
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
    this.window = window;
    this.minRequests = minRequests;
    this.failureRate = failureRate;
    this.coolDown = Objects.requireNonNull(coolDown, "coolDown");
    this.disableAfter = Objects.requireNonNull(disableAfter, "disableAfter");
  }

  private enum Circuit {
    CLOSED,
    OPEN,
    HALF_OPEN
  }

  private static final class State {
    final ArrayDeque<Boolean> recent = new ArrayDeque<>();
    Circuit circuit = Circuit.CLOSED;
    Instant openedAt = Instant.EPOCH;
    boolean probing;
    @Nullable Instant failingSince;
    boolean disableReported;
  }

  private State state(String id) {
    return states.computeIfAbsent(id, k -> new State());
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
    states.forEach(
        (id, s) -> {
          synchronized (s) {
            if ((s.circuit == Circuit.OPEN && now.isBefore(s.openedAt.plus(coolDown)))
                || (s.circuit == Circuit.HALF_OPEN && s.probing)) {
              out.add(id);
            }
          }
        });
    return out;
  }

  /**
   * Asks to send one request to an endpoint now. A closed breaker always allows; an open one whose
   * cool-down is over allows exactly one probe.
   *
   * @param id the webhook id
   * @param now the time
   * @return whether the request may go out
   */
  public boolean tryAcquire(String id, Instant now) {
    State s = states.get(id);
    if (s == null) {
      return true;
    }
    synchronized (s) {
      switch (s.circuit) {
        case CLOSED:
          return true;
        case OPEN:
          if (now.isBefore(s.openedAt.plus(coolDown))) {
            return false;
          }
          s.circuit = Circuit.HALF_OPEN;
          s.probing = true;
          return true;
        case HALF_OPEN:
        default:
          if (s.probing) {
            return false;
          }
          s.probing = true;
          return true;
      }
    }
  }

  /**
   * Records a successful attempt: the breaker closes and the failure clock stops.
   *
   * @param id the webhook id
   */
  public void onSuccess(String id) {
    State s = state(id);
    synchronized (s) {
      push(s, true);
      s.circuit = Circuit.CLOSED;
      s.probing = false;
      s.failingSince = null;
      s.disableReported = false;
    }
  }

  /**
   * Records a failed attempt.
   *
   * @param id the webhook id
   * @param now the time
   * @return when the endpoint started failing, if it has now failed continuously for {@code
   *     disableAfter} (reported once per failure period)
   */
  public Optional<Instant> onFailure(String id, Instant now) {
    State s = state(id);
    synchronized (s) {
      push(s, false);
      if (s.failingSince == null) {
        s.failingSince = now;
      }
      if (s.circuit == Circuit.HALF_OPEN) {
        s.circuit = Circuit.OPEN;
        s.openedAt = now;
        s.probing = false;
      } else if (s.circuit == Circuit.CLOSED && s.recent.size() >= minRequests) {
        long failures = s.recent.stream().filter(ok -> !ok).count();
        if (failures >= failureRate * s.recent.size()) {
          s.circuit = Circuit.OPEN;
          s.openedAt = now;
        }
      }
      Instant since = s.failingSince;
      if (!s.disableReported && since != null && !now.isBefore(since.plus(disableAfter))) {
        s.disableReported = true;
        return Optional.of(since);
      }
      return Optional.empty();
    }
  }

  /**
   * Forgets an endpoint's history (the webhook was re-enabled, changed or deleted).
   *
   * @param id the webhook id
   */
  public void reset(String id) {
    states.remove(id);
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

  private void push(State s, boolean ok) {
    s.recent.addLast(ok);
    while (s.recent.size() > window) {
      s.recent.removeFirst();
    }
  }
}
