package dev.hookline.internal;

import dev.hookline.spi.Store;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Requeues of many finished deliveries at once, each due at its own time: what a bulk redelivery
 * ({@code Dispatcher.redeliverFailed}, the admin API's recover) writes. Through {@link
 * Store#requeue} it took one statement and one commit per delivery on PostgreSQL: 100,000 failed
 * deliveries of one webhook took 100,401 statements and 145 s, all of it inside the admin API's
 * request.
 *
 * <p>Hookline's PostgreSQL Store installs its write when its class is initialised, which has
 * happened before anyone holds one of them; any other Store is written one {@link Store#requeue}
 * per delivery. Core exports this package only to Hookline's own modules. Not API.
 *
 * <p>Thread-safe.
 */
public final class DeliveryRequeue {
  /** A Store's requeue of many deliveries. */
  @FunctionalInterface
  public interface Writer {
    /**
     * Requeues each listed delivery that is finished, as {@link Store#requeue} does: it becomes
     * {@code RETRYING}, due at the time at its index in {@code dues}. A delivery another
     * transaction is changing at that moment (purging it, deleting its webhook, requeuing it) may
     * be left as it is.
     *
     * @param store the Store, of the class the writer was installed for
     * @param ids the deliveries
     * @param dues when each is due, in the order of {@code ids}
     * @param now the time
     * @return how many were requeued
     */
    int requeue(Store store, List<String> ids, List<Instant> dues, Instant now);
  }

  private static final StoreHooks<Writer> WRITERS = new StoreHooks<>("a requeue");

  private DeliveryRequeue() {}

  /**
   * Installs the requeue of a Store class. Called once per class, from its static initialiser.
   *
   * @param type the Store class (final: its instances are exactly of it)
   * @param writer the write
   * @throws IllegalStateException if a write is installed for the class already
   */
  public static void install(Class<? extends Store> type, Writer writer) {
    WRITERS.install(type, writer);
  }

  /**
   * Requeues each listed delivery that is finished, due at its time: with the Store's own write, or
   * one {@link Store#requeue} each, in order.
   *
   * @param store the Store
   * @param ids the deliveries
   * @param dues when each is due, in the order of {@code ids}
   * @param now the time
   * @return how many were requeued
   * @throws IllegalArgumentException if the two lists differ in size
   */
  public static int requeue(Store store, List<String> ids, List<Instant> dues, Instant now) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(now, "now");
    if (ids.size() != dues.size()) {
      throw new IllegalArgumentException(
          ids.size() + " deliveries but " + dues.size() + " due times");
    }
    if (ids.isEmpty()) {
      return 0;
    }
    Writer writer = WRITERS.of(store);
    if (writer != null) {
      return writer.requeue(store, List.copyOf(ids), List.copyOf(dues), now);
    }
    int requeued = 0;
    for (int i = 0; i < ids.size(); i++) {
      if (store.requeue(ids.get(i), dues.get(i), now)) {
        requeued++;
      }
    }
    return requeued;
  }
}
