package dev.hookline.delivery.internal;

import dev.hookline.Attempt;
import dev.hookline.ErrorKind;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What one HTTP exchange produced: a status with the start of the body, or an error.
 *
 * @param status the HTTP status, if a complete response arrived
 * @param error why no usable response arrived
 * @param body the start of the response body (already bounded), decoded as UTF-8
 * @param detail a short explanation for people, never a secret
 * @param retryAfter the {@code Retry-After} header, if present
 * @param elapsed how long the exchange took
 * @param notSent true when nothing was sent for a reason local to this process (not the endpoint's
 *     doing): the attempt is not counted and the delivery goes back to the queue
 * @param local true when the attempt failed for a fault on the sending side, before a request went
 *     out (a format that could not render, no active signing secret, an API key or request that is
 *     not valid HTTP): the attempt counts and is retried on the schedule, but is not held against
 *     the endpoint's health
 */
public record SendOutcome(
    OptionalInt status,
    Optional<ErrorKind> error,
    String body,
    String detail,
    Optional<String> retryAfter,
    Duration elapsed,
    boolean notSent,
    boolean local) {

  /** Checks the components. */
  public SendOutcome {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(error, "error");
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(detail, "detail");
    Objects.requireNonNull(retryAfter, "retryAfter");
    Objects.requireNonNull(elapsed, "elapsed");
  }

  /**
   * An outcome with a status.
   *
   * @param status the HTTP status
   * @param body the (bounded) body
   * @param retryAfter the Retry-After header
   * @param nanos how long it took
   * @return the outcome
   */
  public static SendOutcome response(
      int status, String body, Optional<String> retryAfter, long nanos) {
    return new SendOutcome(
        OptionalInt.of(status),
        Optional.empty(),
        body,
        "HTTP " + status,
        retryAfter,
        Duration.ofNanos(nanos),
        false,
        false);
  }

  /**
   * An outcome without a usable response.
   *
   * @param kind why
   * @param detail a short explanation, never a secret
   * @param nanos how long it took
   * @return the outcome
   */
  public static SendOutcome failure(ErrorKind kind, String detail, long nanos) {
    return new SendOutcome(
        OptionalInt.empty(),
        Optional.of(kind),
        "",
        detail,
        Optional.empty(),
        Duration.ofNanos(nanos),
        false,
        false);
  }

  /**
   * An attempt that failed on the sending side before a request went out ({@link
   * ErrorKind#INTERNAL}): it counts and is retried on the schedule, but the endpoint is not blamed
   * for it.
   *
   * @param detail a short explanation, never a secret
   * @param nanos how long it took
   * @return the outcome
   */
  public static SendOutcome localFailure(String detail, long nanos) {
    return new SendOutcome(
        OptionalInt.empty(),
        Optional.of(ErrorKind.INTERNAL),
        "",
        detail,
        Optional.empty(),
        Duration.ofNanos(nanos),
        false,
        true);
  }

  /**
   * Nothing was sent, for a reason local to this process (for example every DNS lookup thread is
   * held by other hosts): the delivery is handed back without counting an attempt.
   *
   * @param detail a short explanation, never a secret
   * @param nanos how long it took
   * @return the outcome
   */
  public static SendOutcome notSent(String detail, long nanos) {
    return new SendOutcome(
        OptionalInt.empty(),
        Optional.of(ErrorKind.INTERNAL),
        "",
        detail,
        Optional.empty(),
        Duration.ofNanos(nanos),
        true,
        true);
  }

  /**
   * Returns a copy with another detail.
   *
   * @param newDetail the detail, never a secret
   * @return the copy
   */
  public SendOutcome withDetail(String newDetail) {
    return new SendOutcome(status, error, body, newDetail, retryAfter, elapsed, notSent, local);
  }

  /**
   * Returns whether the endpoint answered 2xx.
   *
   * @return true on success
   */
  public boolean succeeded() {
    return status.isPresent() && status.getAsInt() >= 200 && status.getAsInt() < 300;
  }

  /**
   * Returns whether the endpoint answered with this status.
   *
   * @param code the status code
   * @return true if it did
   */
  public boolean hasStatus(int code) {
    return status.isPresent() && status.getAsInt() == code;
  }

  /**
   * Turns this outcome into the attempt record.
   *
   * @param number the attempt number
   * @param startedAt when the attempt started
   * @return the attempt
   */
  public Attempt toAttempt(int number, Instant startedAt) {
    if (status.isPresent()) {
      return new Attempt(number, startedAt, elapsed, status, Optional.empty(), body, detail);
    }
    return Attempt.error(number, startedAt, elapsed, error.orElse(ErrorKind.INTERNAL), detail);
  }
}
