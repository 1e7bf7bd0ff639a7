package dev.hookline.internal;

import dev.hookline.DeliveryCounts;
import dev.hookline.spi.Store;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * The deliveries of many webhooks counted by state at once: what {@code Dispatcher.summary()} (and
 * so hookline-micrometer's gauges) reads. Through {@link Store#countDeliveries} it took one query
 * per webhook the dispatcher knows: on PostgreSQL, 50,000 statements every refresh, on the thread
 * that reads a gauge.
 *
 * <p>Hookline's PostgreSQL Store installs its count when its class is initialised, which has
 * happened before anyone holds one of them; any other Store is asked one {@link
 * Store#countDeliveries} per webhook. Core exports this package only to Hookline's own modules. Not
 * API.
 *
 * <p>Thread-safe.
 */
public final class DeliveryTotals {
  /** A Store's count of many webhooks' deliveries. */
  @FunctionalInterface
  public interface Counter {
    /**
     * Counts the deliveries of the webhooks by state, summed over them.
     *
     * @param store the Store, of the class the counter was installed for
     * @param webhookIds the webhooks, each once
     * @return the sums
     */
    DeliveryCounts count(Store store, List<String> webhookIds);
  }

  private static final StoreHooks<Counter> COUNTERS = new StoreHooks<>("a delivery count");

  private DeliveryTotals() {}

  /**
   * Installs the count of a Store class. Called once per class, from its static initialiser.
   *
   * @param type the Store class (final: its instances are exactly of it)
   * @param counter the count
   * @throws IllegalStateException if a count is installed for the class already
   */
  public static void install(Class<? extends Store> type, Counter counter) {
    COUNTERS.install(type, counter);
  }

  /**
   * Counts the deliveries of the webhooks by state, summed over them: with the Store's own count,
   * or one {@link Store#countDeliveries} per webhook.
   *
   * @param store the Store
   * @param webhookIds the webhooks, each once
   * @return the sums
   */
  public static DeliveryCounts count(Store store, Collection<String> webhookIds) {
    Objects.requireNonNull(store, "store");
    List<String> ids = List.copyOf(webhookIds);
    if (ids.isEmpty()) {
      return DeliveryCounts.EMPTY;
    }
    Counter counter = COUNTERS.of(store);
    if (counter != null) {
      return counter.count(store, ids);
    }
    long total = 0;
    long pending = 0;
    long inFlight = 0;
    long succeeded = 0;
    long retrying = 0;
    long failed = 0;
    for (String id : ids) {
      DeliveryCounts c = store.countDeliveries(id);
      total += c.total();
      pending += c.pending();
      inFlight += c.inFlight();
      succeeded += c.succeeded();
      retrying += c.retrying();
      failed += c.failed();
    }
    return new DeliveryCounts(total, pending, inFlight, succeeded, retrying, failed);
  }
}
