package dev.hookline.delivery.internal;

import dev.hookline.spi.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * Per-endpoint health: a {@link CircuitBreakers circuit breaker} per endpoint, in this instance,
 * and the {@link FailureClock clock of continuous failure}, shared through the Store. The two are
 * independent; this class feeds each attempt's outcome to both.
 *
 * <p>Thread-safe: each endpoint's state is guarded by its own monitor; Store calls are made outside
 * it.
 */
public final class EndpointHealth {

  /** What {@link #tryAcquire} grants. */
  public enum Permit {
    /** The breaker is open (or its probe is out): send nothing. */
    DENIED,
    /** The breaker is closed: send. */
    GRANTED,
    /** The breaker is half-open and this is its one probe: send, then report the outcome. */
    PROBE
  }

  private final CircuitBreakers breakers;
  private final FailureClock clock;

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
    this.breakers = new CircuitBreakers(window, minRequests, failureRate, coolDown);
    this.clock = new FailureClock(store, disableAfter);
  }

  /**
   * Returns the endpoints that must get no request now.
   *
   * @param now the time
   * @return webhook ids to leave out of claims
   * @see CircuitBreakers#blocked
   */
  public Set<String> blocked(Instant now) {
    return breakers.blocked(now);
  }

  /**
   * The endpoints whose breaker would grant a probe now.
   *
   * @param now the time
   * @return webhook ids to claim one delivery of at most
   * @see CircuitBreakers#awaitingProbe
   */
  public Set<String> awaitingProbe(Instant now) {
    return breakers.awaitingProbe(now);
  }

  /**
   * Asks to send one request to an endpoint now.
   *
   * @param id the webhook id
   * @param now the time
   * @return whether, and as what, the request may go out
   * @see CircuitBreakers#tryAcquire
   */
  public Permit tryAcquire(String id, Instant now) {
    return breakers.tryAcquire(id, now);
  }

  /**
   * Gives back a permit whose request never went out.
   *
   * @param id the webhook id
   * @param permit what {@link #tryAcquire} granted
   */
  public void abandon(String id, Permit permit) {
    breakers.abandon(id, permit);
  }

  /**
   * Records a successful attempt: the breaker closes, and the failure clock stops here and in the
   * Store.
   *
   * @param id the webhook id
   * @param now the time
   */
  public void onSuccess(String id, Instant now) {
    breakers.onSuccess(id);
    clock.onSuccess(id, now);
  }

  /**
   * Records a failed attempt.
   *
   * @param id the webhook id
   * @param now the time
   * @return when the endpoint started failing, if it has now failed without a success for {@code
   *     disableAfter} by the Store's shared clock (reported once)
   */
  public Optional<Instant> onFailure(String id, Instant now) {
    breakers.onFailure(id, now);
    return clock.onFailure(id, now);
  }

  /**
   * Says that disabling the endpoint's webhook failed, so the next failure reports it again.
   *
   * @param id the webhook id
   */
  public void disableFailed(String id) {
    clock.disableFailed(id);
  }

  /**
   * Forgets an endpoint's local history (the webhook was re-enabled, moved or deleted). The Store's
   * clock is reset by the registry.
   *
   * @param id the webhook id
   */
  public void reset(String id) {
    breakers.reset(id);
    clock.reset(id);
  }

  /**
   * Forgets every endpoint not in {@code ids}.
   *
   * @param ids the webhooks that exist
   */
  public void retainOnly(Set<String> ids) {
    breakers.retainOnly(ids);
    clock.retainOnly(ids);
  }

  /**
   * Returns whether the endpoint's breaker is open or half-open.
   *
   * @param id the webhook id
   * @return true if not closed
   */
  public boolean isOpen(String id) {
    return breakers.isOpen(id);
  }

  /**
   * Counts the breakers that are open or half-open.
   *
   * @return how many
   */
  public int openBreakers() {
    return breakers.openCount();
  }
}
