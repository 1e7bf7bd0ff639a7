package dev.hookline.spi;

import dev.hookline.Delivery;
import java.util.Objects;

/**
 * A delivery a worker now holds, with the lease it must present to record the outcome.
 *
 * <p>Immutable and thread-safe.
 *
 * @param delivery the delivery as it stood when claimed ({@code IN_FLIGHT})
 * @param lease the lease
 */
public record ClaimedDelivery(Delivery delivery, Lease lease) {

  /** Checks that no component is null. */
  public ClaimedDelivery {
    Objects.requireNonNull(delivery, "delivery");
    Objects.requireNonNull(lease, "lease");
  }
}
