package dev.hookline;

/**
 * How one webhook's deliveries stand, as counted by the Store at one moment.
 *
 * <p>Immutable and thread-safe.
 *
 * @param total every delivery still held (not yet purged)
 * @param pending enqueued, not yet attempted
 * @param inFlight being attempted now
 * @param succeeded delivered
 * @param retrying failed at least once, another attempt scheduled
 * @param failed every attempt failed
 */
public record DeliveryCounts(
    long total, long pending, long inFlight, long succeeded, long retrying, long failed) {

  /** No deliveries. */
  public static final DeliveryCounts EMPTY = new DeliveryCounts(0, 0, 0, 0, 0, 0);
}
