package dev.hookline.delivery.internal;

import dev.hookline.delivery.Dispatcher;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The per-endpoint concurrency limit: how many attempts run against each webhook, at most {@link
 * Dispatcher.Builder#perEndpointConcurrency} at once, so that a slow or dead endpoint holds only
 * its own slots.
 *
 * <p>Every claim round asks for the full webhooks ({@link #addFull}), up to one round per finished
 * attempt, so that costs only the webhooks that may be full, not every webhook: those that reached
 * the limit are kept in a set, and dropped from it once they are seen below it again.
 *
 * <p>Thread-safe: one atomic counter per webhook in a concurrent map. A slot is taken by {@link
 * #tryTake} and given back by decrementing the counter it returned.
 */
public final class EndpointSlots {
  private final int limit;
  private final ConcurrentHashMap<String, AtomicInteger> perEndpoint = new ConcurrentHashMap<>();

  /**
   * Every webhook whose slots are all taken, and perhaps some that were: a webhook joins as it
   * takes its last slot and leaves when {@link #addFull} finds it below the limit. One that left
   * while a slot was being taken is caught by {@link #tryTake} at dispatch, which only costs a
   * release.
   */
  private final Set<String> mayBeFull = ConcurrentHashMap.newKeySet();

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
    List<String> refilled = null;
    for (Iterator<String> it = mayBeFull.iterator(); it.hasNext(); ) {
      String id = it.next();
      AtomicInteger count = perEndpoint.get(id);
      if (count != null && count.get() >= limit) {
        excluded.add(id);
      } else {
        it.remove();
        if (count != null && count.get() >= limit) {
          // Filled again between the two reads: its tryTake's add may have been the one removed.
          if (refilled == null) {
            refilled = new ArrayList<>();
          }
          refilled.add(id);
        }
      }
    }
    if (refilled != null) {
      mayBeFull.addAll(refilled);
      excluded.addAll(refilled);
    }
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
    int taken = inFlight.incrementAndGet();
    if (taken > limit) {
      inFlight.decrementAndGet();
      return null;
    }
    if (taken == limit) {
      mayBeFull.add(webhookId);
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
    mayBeFull.removeIf(id -> !perEndpoint.containsKey(id));
  }
}
