package dev.hookline.delivery;

import dev.hookline.Delivery;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What {@link Dispatcher#publish} enqueued: one delivery per matching webhook that is verified and
 * enabled. Deliveries already in the outbox for the same (event, webhook) pair are not enqueued
 * again and do not appear here.
 *
 * <p>Immutable and thread-safe.
 *
 * @param deliveries the enqueued deliveries
 */
public record PublishResult(List<Delivery> deliveries) {

  /** Copies the list. */
  public PublishResult {
    deliveries = List.copyOf(deliveries);
  }

  /**
   * Returns how many deliveries were enqueued.
   *
   * @return the count
   */
  public int count() {
    return deliveries.size();
  }

  /**
   * Returns the ids of the webhooks that will receive the event(s), in enqueue order.
   *
   * @return the webhook ids
   */
  public List<String> webhookIds() {
    List<String> ids = new ArrayList<>(deliveries.size());
    for (Delivery d : deliveries) {
      ids.add(Objects.requireNonNull(d.webhookId()));
    }
    return List.copyOf(ids);
  }
}
