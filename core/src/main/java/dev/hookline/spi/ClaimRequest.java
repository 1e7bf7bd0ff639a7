package dev.hookline.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * What a worker asks the Store for: up to {@code maxDeliveries} queued deliveries due at {@code
 * now} (and in-flight ones whose lease expired), in {@code lane}, not for any webhook in {@code
 * excludedWebhookIds}, at most {@code maxPerWebhook} of them for any one webhook, leased to {@code
 * owner} until {@code now + leaseDuration}.
 *
 * <p>The per-webhook cap keeps one webhook's backlog from filling a claim that its endpoint cannot
 * take: the dispatcher sends at most a few deliveries to one endpoint at once and hands back what
 * it claimed beyond that, one Store write each. A Store takes the deliveries in due order, at most
 * {@code maxDeliveries} candidates, and of those at most {@code maxPerWebhook} per webhook (so a
 * claim may come back short while later deliveries of other webhooks are due: the next claim, with
 * the full webhook excluded, takes them). A Store that ignores the cap stays correct, only slower:
 * the dispatcher hands back what it cannot take.
 *
 * <p>Immutable and thread-safe: the excluded ids are copied.
 *
 * @param owner the claiming dispatcher instance's id
 * @param now the current time by the dispatcher's clock
 * @param leaseDuration how long the claim lasts before others may take it over
 * @param maxDeliveries the batch size, 1 to 10,000
 * @param lane which deliveries to take
 * @param excludedWebhookIds webhooks to skip (for example, endpoints whose circuit is open)
 * @param maxPerWebhook the most deliveries of any one webhook, 1 to {@code maxDeliveries}; {@code
 *     maxDeliveries} for no cap
 */
public record ClaimRequest(
    String owner,
    Instant now,
    Duration leaseDuration,
    int maxDeliveries,
    Lane lane,
    Set<String> excludedWebhookIds,
    int maxPerWebhook) {

  /** Most deliveries one claim may take. */
  public static final int MAX_BATCH = 10_000;

  /** Checks the components. */
  public ClaimRequest {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(leaseDuration, "leaseDuration");
    Objects.requireNonNull(lane, "lane");
    excludedWebhookIds = Set.copyOf(excludedWebhookIds);
    if (leaseDuration.isNegative() || leaseDuration.isZero()) {
      throw new IllegalArgumentException("leaseDuration must be positive, was " + leaseDuration);
    }
    if (maxDeliveries < 1 || maxDeliveries > MAX_BATCH) {
      throw new IllegalArgumentException(
          "maxDeliveries must be 1 to " + MAX_BATCH + ", was " + maxDeliveries);
    }
    if (maxPerWebhook < 1 || maxPerWebhook > maxDeliveries) {
      throw new IllegalArgumentException(
          "maxPerWebhook must be 1 to maxDeliveries (" + maxDeliveries + "), was " + maxPerWebhook);
    }
  }

  /**
   * A claim with no per-webhook cap ({@code maxPerWebhook} is {@code maxDeliveries}).
   *
   * @param owner the claiming dispatcher instance's id
   * @param now the current time by the dispatcher's clock
   * @param leaseDuration how long the claim lasts before others may take it over
   * @param maxDeliveries the batch size, 1 to 10,000
   * @param lane which deliveries to take
   * @param excludedWebhookIds webhooks to skip
   */
  public ClaimRequest(
      String owner,
      Instant now,
      Duration leaseDuration,
      int maxDeliveries,
      Lane lane,
      Set<String> excludedWebhookIds) {
    this(owner, now, leaseDuration, maxDeliveries, lane, excludedWebhookIds, maxDeliveries);
  }

  /**
   * Whether {@link #maxPerWebhook} limits anything: it is less than {@link #maxDeliveries}.
   *
   * @return true if one webhook may not fill the claim
   */
  public boolean capsWebhooks() {
    return maxPerWebhook < maxDeliveries;
  }

  /**
   * A claim in any lane with no exclusions.
   *
   * @param owner the claiming instance
   * @param now the current time
   * @param leaseDuration how long the lease lasts
   * @param maxDeliveries the batch size
   * @return the request
   */
  public static ClaimRequest of(
      String owner, Instant now, Duration leaseDuration, int maxDeliveries) {
    return new ClaimRequest(owner, now, leaseDuration, maxDeliveries, Lane.ANY, Set.of());
  }

  /**
   * Returns when leases taken by this request expire.
   *
   * @return {@code now + leaseDuration}
   */
  public Instant leaseExpiry() {
    return now.plus(leaseDuration);
  }
}
