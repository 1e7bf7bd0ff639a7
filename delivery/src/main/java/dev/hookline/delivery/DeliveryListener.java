package dev.hookline.delivery;

import dev.hookline.Attempt;
import dev.hookline.Delivery;
import java.time.Instant;
import java.util.Optional;

/**
 * Told what happens to deliveries, for metrics and alerting. Every method has an empty default, so
 * implement only what you need.
 *
 * <p>Called on the dispatcher's worker threads, after the outcome is stored; implementations must
 * be thread-safe and quick, and should not throw (an exception is logged and otherwise ignored). A
 * success recorded by a Store that answers later ({@code Store.completeAsync}, as PostgreSQL's
 * grouped write does) is told on the thread that recorded it, which for PostgreSQL is the worker
 * leading the write, not always the one that made the attempt. The {@code delivery} passed is the
 * snapshot taken when the attempt began (state {@code IN_FLIGHT}, without the new attempt).
 */
public interface DeliveryListener {

  /**
   * Returns a listener that does nothing.
   *
   * @return the no-op listener
   */
  static DeliveryListener none() {
    return new DeliveryListener() {};
  }

  /**
   * An attempt got a 2xx answer: the delivery succeeded.
   *
   * @param delivery the delivery as claimed
   * @param attempt the attempt
   */
  default void attemptSucceeded(Delivery delivery, Attempt attempt) {}

  /**
   * An attempt failed.
   *
   * @param delivery the delivery as claimed
   * @param attempt the attempt
   * @param nextAttemptAt when the next attempt is due, or empty if none follows
   */
  default void attemptFailed(Delivery delivery, Attempt attempt, Optional<Instant> nextAttemptAt) {}

  /**
   * A delivery failed for good (until redelivered): its attempts are exhausted, or its endpoint
   * answered 410 Gone.
   *
   * @param delivery the delivery as claimed
   * @param lastAttempt the last attempt
   */
  default void deliveryFailed(Delivery delivery, Attempt lastAttempt) {}

  /**
   * A webhook was disabled by an attempt: its endpoint answered {@code 410 Gone}, or it has failed
   * without a success for {@link Dispatcher.Builder#disableAfter} (the webhook is then {@code
   * DISABLED_BY_FAILURE}).
   *
   * @param webhookId the webhook
   * @param reason why, for people
   */
  default void webhookDisabled(String webhookId, String reason) {}
}
