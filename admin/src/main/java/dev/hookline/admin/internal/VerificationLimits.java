package dev.hookline.admin.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * How many verification handshakes ({@code POST /webhooks/{id}/verify}) the API runs at once. Each
 * holds a request thread of the host's server until its endpoint answers or the dispatcher's
 * verification timeout passes, so without a bound one tenant could take every thread. One webhook
 * has at most one handshake in flight; a tenant (the webhook's; the host's own webhooks count as
 * one more tenant) at most {@code perTenant}; the whole API at most {@code total}. Past a limit the
 * request is answered 429 with {@code Retry-After: retryAfter}.
 *
 * <p>Immutable.
 *
 * @param perTenant handshakes of one tenant's webhooks at once, 1 to {@code total}
 * @param total handshakes at once, 1 to {@value #MAX_TOTAL}
 * @param retryAfter what {@code Retry-After} says, whole seconds from 1 s to 5 min: by then the
 *     handshakes in flight have ended (the dispatcher's verification timeout is 5 s by default)
 */
public record VerificationLimits(int perTenant, int total, Duration retryAfter) {
  /** The largest {@code total}. */
  public static final int MAX_TOTAL = 1000;

  /** The production defaults: 2 per tenant, 4 in all, retry after 5 s. */
  public static final VerificationLimits DEFAULTS =
      new VerificationLimits(2, 4, Duration.ofSeconds(5));

  /**
   * Checks the limits.
   *
   * @throws IllegalArgumentException if one is out of range
   */
  public VerificationLimits {
    Objects.requireNonNull(retryAfter, "retryAfter");
    if (total < 1 || total > MAX_TOTAL) {
      throw new IllegalArgumentException(
          "total verifications must be 1 to " + MAX_TOTAL + ", was " + total);
    }
    if (perTenant < 1 || perTenant > total) {
      throw new IllegalArgumentException(
          "verifications per tenant must be 1 to the total (" + total + "), was " + perTenant);
    }
    if (retryAfter.compareTo(Duration.ofSeconds(1)) < 0
        || retryAfter.compareTo(Duration.ofMinutes(5)) > 0
        || retryAfter.toNanosPart() != 0) {
      throw new IllegalArgumentException(
          "retryAfter must be whole seconds from 1 s to 5 min, was " + retryAfter);
    }
  }
}
