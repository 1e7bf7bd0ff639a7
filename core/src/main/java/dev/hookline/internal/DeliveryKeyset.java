package dev.hookline.internal;

import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.spi.Store;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Keyset reads of deliveries: the rows a {@link DeliveryQuery} lists that come after a position
 * ({@code createdAt}, {@code id}) in the Stores' listing order (creation time, then id, both
 * descending; ids compared as {@link String#compareTo} does for Hookline's ASCII ids, which is
 * PostgreSQL's byte-wise order). The public query can only bound creation times, so a page that
 * starts among many deliveries created at one instant (one {@code publish(List)}) could only be
 * found by reading that instant's rows from its first: the admin API read at most 10,000 of them
 * and never showed the rest.
 *
 * <p>Hookline's own Stores install their reads when their classes are initialised, which has
 * happened before anyone holds one of them; any other Store has none ({@link #after} is empty).
 * Core exports this package only to Hookline's own modules. Not API.
 *
 * <p>Thread-safe.
 */
public final class DeliveryKeyset {
  /** A Store's keyset read. */
  @FunctionalInterface
  public interface Reader {
    /**
     * Lists the deliveries matching {@code query} (its limit included) that come after the
     * position, newest first.
     *
     * @param store the Store, of the class the reader was installed for
     * @param query the criteria and limit
     * @param createdAt the position's creation time
     * @param id the position's delivery id (a row with that id need not exist)
     * @return at most {@code query.limit()} deliveries
     */
    List<Delivery> after(Store store, DeliveryQuery query, Instant createdAt, String id);
  }

  private static final StoreHooks<Reader> READERS = new StoreHooks<>("a keyset read");

  private DeliveryKeyset() {}

  /**
   * Installs the keyset read of a Store class. Called once per class, from its static initialiser.
   *
   * @param type the Store class (final: its instances are exactly of it)
   * @param reader the read
   * @throws IllegalStateException if a read is installed for the class already
   */
  public static void install(Class<? extends Store> type, Reader reader) {
    READERS.install(type, reader);
  }

  /**
   * Lists the deliveries matching {@code query} that come after the position, newest first, if the
   * Store has a keyset read.
   *
   * @param store the Store
   * @param query the criteria and limit
   * @param createdAt the position's creation time
   * @param id the position's delivery id
   * @return at most {@code query.limit()} deliveries; empty if the Store has no keyset read
   */
  public static Optional<List<Delivery>> after(
      Store store, DeliveryQuery query, Instant createdAt, String id) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(query, "query");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(id, "id");
    Reader reader = READERS.of(store);
    return reader == null
        ? Optional.empty()
        : Optional.of(reader.after(store, query, createdAt, id));
  }
}
