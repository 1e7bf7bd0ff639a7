package dev.hookline;

/**
 * Where one event's delivery to one webhook stands.
 *
 * <p>Immutable and thread-safe.
 */
public enum DeliveryState {
  /** Enqueued, not yet attempted; due at {@link Delivery#nextAttemptAt()}. */
  PENDING,
  /** Claimed by a worker under a lease; an attempt is under way. */
  IN_FLIGHT,
  /** The endpoint answered 2xx. Final. */
  SUCCEEDED,
  /** At least one attempt failed; another is due at {@link Delivery#nextAttemptAt()}. */
  RETRYING,
  /** Every attempt failed, or the webhook is gone. Final until redelivered. */
  FAILED;

  /**
   * Returns whether the delivery is waiting for a worker.
   *
   * @return true for {@link #PENDING} and {@link #RETRYING}
   */
  public boolean isQueued() {
    return this == PENDING || this == RETRYING;
  }

  /**
   * Returns whether the delivery is finished (until someone redelivers it).
   *
   * @return true for {@link #SUCCEEDED} and {@link #FAILED}
   */
  public boolean isFinal() {
    return this == SUCCEEDED || this == FAILED;
  }
}
