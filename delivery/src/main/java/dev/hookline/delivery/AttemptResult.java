package dev.hookline.delivery;

import dev.hookline.ErrorKind;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What came of one attempt, as an {@link AttemptObserver}'s scope is told.
 *
 * <p>Immutable and thread-safe.
 *
 * @param outcome what happened to the delivery
 * @param statusCode the endpoint's HTTP status, if it answered
 * @param errorKind why no usable answer came, if none did
 * @param duration how long the HTTP exchange took (zero if nothing was sent)
 * @param nextAttemptAt when the next attempt is due, for {@link Outcome#RETRY_SCHEDULED}
 * @param webhookDisabled whether this attempt disabled the webhook (410 Gone, or failing for {@link
 *     Dispatcher.Builder#disableAfter})
 */
public record AttemptResult(
    Outcome outcome,
    OptionalInt statusCode,
    Optional<ErrorKind> errorKind,
    Duration duration,
    Optional<Instant> nextAttemptAt,
    boolean webhookDisabled) {

  /** What an attempt did to its delivery. */
  public enum Outcome {
    /**
     * The endpoint answered 2xx: the delivery succeeded. Told as soon as the endpoint answered,
     * before the Store records it (see {@link AttemptObserver}); should the record then find the
     * lease passed to another worker, the observation still says so (the endpoint did get it), but
     * the {@link DeliveryListener} is not told.
     */
    SUCCEEDED,
    /** The attempt failed and another is scheduled. */
    RETRY_SCHEDULED,
    /** The attempt failed and the delivery failed for good (attempts used up, or 410 Gone). */
    FAILED,
    /**
     * No attempt was counted: nothing was sent (shutdown, a local reason, an error inside Hookline;
     * the delivery goes back to the queue), or the exchange happened but its lease had passed to
     * another worker, which owns the delivery now (found when recording a failure).
     */
    NOT_ATTEMPTED
  }

  /** Checks the components. */
  public AttemptResult {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(statusCode, "statusCode");
    Objects.requireNonNull(errorKind, "errorKind");
    Objects.requireNonNull(duration, "duration");
    Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
  }

  /**
   * Returns whether the attempt failed: it was made and did not succeed.
   *
   * @return true for {@link Outcome#RETRY_SCHEDULED} and {@link Outcome#FAILED}
   */
  public boolean failed() {
    return outcome == Outcome.RETRY_SCHEDULED || outcome == Outcome.FAILED;
  }
}
