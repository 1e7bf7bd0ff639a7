package dev.hookline.delivery.internal;

import dev.hookline.delivery.Dispatcher;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The per-endpoint concurrency limit: how many attempts run against each webhook, at most {@link
 * Dispatcher.Builder#perEndpointConcurrency} at once, so that a slow or dead endpoint holds only
 * its own slots.
 *
 * <p>Thread-safe: one atomic counter per webhook in a concurrent map. A slot is taken by {@link
 * #tryTake} and given back by decrementing the counter it returned.
 */
public final class EndpointSlots {
  private final int limit;
  private final ConcurrentHashMap<String, AtomicInteger> perEndpoint = new ConcurrentHashMap<>();

  public EndpointSlots(int limit) {
    this.limit = limit;
  }

  /**
   * The most attempts that run against one webhook at once.
   *
   * @return the per-endpoint limit
   */
  public int limit() {
    return limit;
  }

  /**
   * Adds to {@code excluded} every webhook whose slots are all taken.
   *
   * @param excluded the claim's exclusions
   */
  public void addFull(Set<String> excluded) {
    perEndpoint.forEach(
        (id, count) -> {
          if (count.get() >= limit) {
            excluded.add(id);
          }
        });
  }

  /**
   * Takes one of the webhook's slots.
   *
   * @param webhookId the webhook
   * @return the webhook's counter, to decrement when the attempt is over; null if all its slots are
   *     taken (nothing was taken)
   */
  public @Nullable AtomicInteger tryTake(String webhookId) {
    AtomicInteger inFlight = perEndpoint.computeIfAbsent(webhookId, k -> new AtomicInteger());
    if (inFlight.incrementAndGet() > limit) {
      inFlight.decrementAndGet();
      return null;
    }
    return inFlight;
  }

  /**
   * Forgets the counters of webhooks not in {@code ids} that no attempt holds.
   *
   * @param ids the webhooks that exist
   */
  public void retainOnly(Set<String> ids) {
    perEndpoint.entrySet().removeIf(e -> !ids.contains(e.getKey()) && e.getValue().get() == 0);
  }
}
