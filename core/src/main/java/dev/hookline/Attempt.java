package dev.hookline;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One try at delivering a notification: when, how long, and what came back.
 *
 * <p>Immutable and thread-safe. Never holds request headers, so no API key or signature; an
 * endpoint that echoes them in its response body gets them replaced by {@code [redacted]} before
 * the body is kept.
 *
 * @param number 1 for the first attempt, counting redeliveries on
 * @param startedAt when the request started
 * @param duration how long it took until the outcome was known
 * @param statusCode the HTTP status, if a response arrived
 * @param error why no usable response arrived, if none did
 * @param responseBody the start of the response body, truncated to a bounded size, with the
 *     request's credentials redacted
 * @param detail a short explanation for people (never a secret)
 */
public record Attempt(
    int number,
    Instant startedAt,
    Duration duration,
    OptionalInt statusCode,
    Optional<ErrorKind> error,
    String responseBody,
    String detail) {

  /** Most characters of a response body an attempt keeps. */
  public static final int MAX_BODY_CHARS = 4096;

  /** Checks that no component is null and that exactly one of status and error is present. */
  public Attempt {
    if (number < 1) {
      throw new IllegalArgumentException("attempt number must be >= 1, was " + number);
    }
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(duration, "duration");
    Objects.requireNonNull(statusCode, "statusCode");
    Objects.requireNonNull(error, "error");
    Objects.requireNonNull(responseBody, "responseBody");
    Objects.requireNonNull(detail, "detail");
    if (statusCode.isPresent() == error.isPresent()) {
      throw new IllegalArgumentException("an attempt has either a status code or an error");
    }
    if (responseBody.length() > MAX_BODY_CHARS) {
      // Not inside a surrogate pair: half of one is no text (stored as '?' by PostgreSQL's driver).
      responseBody =
          responseBody.substring(
              0,
              Character.isHighSurrogate(responseBody.charAt(MAX_BODY_CHARS - 1))
                  ? MAX_BODY_CHARS - 1
                  : MAX_BODY_CHARS);
    }
  }

  /**
   * An attempt that got an HTTP response.
   *
   * @param number the attempt number
   * @param startedAt when it started
   * @param duration how long it took
   * @param status the HTTP status
   * @param responseBody the (truncated) response body
   * @return the attempt
   */
  public static Attempt response(
      int number, Instant startedAt, Duration duration, int status, String responseBody) {
    return new Attempt(
        number,
        startedAt,
        duration,
        OptionalInt.of(status),
        Optional.empty(),
        responseBody,
        "HTTP " + status);
  }

  /**
   * An attempt that got no usable response.
   *
   * @param number the attempt number
   * @param startedAt when it started
   * @param duration how long it took
   * @param error why it failed
   * @param detail a short explanation, never a secret
   * @return the attempt
   */
  public static Attempt error(
      int number, Instant startedAt, Duration duration, ErrorKind error, String detail) {
    return new Attempt(
        number, startedAt, duration, OptionalInt.empty(), Optional.of(error), "", detail);
  }

  /**
   * Returns whether the endpoint accepted the notification (a 2xx status).
   *
   * @return true on success
   */
  public boolean succeeded() {
    return statusCode.isPresent() && statusCode.getAsInt() >= 200 && statusCode.getAsInt() < 300;
  }
}
