package dev.hookline.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * A worker's exclusive, time-limited right to attempt one delivery.
 *
 * <p>The {@link #token()} is a fencing token: it grows every time the delivery is claimed, and the
 * Store accepts a result only with the current token, so a worker whose lease expired and was taken
 * over cannot overwrite the newer owner's result. Immutable and thread-safe.
 *
 * @param deliveryId the delivery
 * @param owner who holds it (a dispatcher instance id)
 * @param token the fencing token
 * @param expiresAt when another worker may take the delivery over
 */
public record Lease(String deliveryId, String owner, long token, Instant expiresAt) {

  /** Checks that no component is null. */
  public Lease {
    Objects.requireNonNull(deliveryId, "deliveryId");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }
}
