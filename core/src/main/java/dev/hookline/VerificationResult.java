package dev.hookline;

import java.util.Objects;

/**
 * The outcome of an endpoint verification handshake.
 *
 * <p>Immutable and thread-safe.
 *
 * @param verified whether the endpoint answered with the right key
 * @param detail what happened, for people (for example {@code HTTP 404} or {@code key mismatch})
 */
public record VerificationResult(boolean verified, String detail) {

  /** Checks that no component is null. */
  public VerificationResult {
    Objects.requireNonNull(detail, "detail");
  }
}
