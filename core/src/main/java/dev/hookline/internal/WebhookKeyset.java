package dev.hookline.internal;

import dev.hookline.Webhook;
import dev.hookline.WebhookStatus;
import dev.hookline.spi.Store;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Keyset reads of webhooks: a page of the webhooks {@link Store#listWebhooks()} (or {@link
 * Store#listWebhooks(String)}) lists, in its order (creation time, then id, both ascending; ids
 * compared as {@link String#compareTo} does, which is PostgreSQL's byte-wise order), those after a
 * position and of a status. The admin API's list of webhooks read every webhook for each page it
 * showed: on PostgreSQL, 50,000 rows and their 100,000 secrets decrypted for a page of 50.
 *
 * <p>Hookline's PostgreSQL Store installs its read when its class is initialised, which has
 * happened before anyone holds one of them; any other Store has none ({@link #page} is empty). Core
 * exports this package only to Hookline's own modules. Not API.
 *
 * <p>Thread-safe.
 */
public final class WebhookKeyset {
  /**
   * Which webhooks a page holds.
   *
   * @param tenant only the tenant's; empty for every webhook, the host's and every tenant's
   * @param status only those of the status; empty for any
   * @param enabled only those enabled (true) or disabled (false); empty for both
   * @param after only those after this position (creation time, id); empty from the first
   * @param limit at most this many, 1 or more
   */
  public record Query(
      Optional<String> tenant,
      Optional<WebhookStatus> status,
      Optional<Boolean> enabled,
      Optional<Position> after,
      int limit) {
    /** Checks the components. */
    public Query {
      Objects.requireNonNull(tenant, "tenant");
      Objects.requireNonNull(status, "status");
      Objects.requireNonNull(enabled, "enabled");
      Objects.requireNonNull(after, "after");
      if (limit < 1) {
        throw new IllegalArgumentException("limit must be at least 1, was " + limit);
      }
    }
  }

  /**
   * A place in the listing order.
   *
   * @param createdAt a webhook's creation time
   * @param id its id (a webhook with that id need not exist)
   */
  public record Position(Instant createdAt, String id) {
    /** Checks the components. */
    public Position {
      Objects.requireNonNull(createdAt, "createdAt");
      Objects.requireNonNull(id, "id");
    }
  }

  /** A Store's keyset read. */
  @FunctionalInterface
  public interface Reader {
    /**
     * Lists the webhooks the query selects, in the listing order: as many as there are up to its
     * limit (a row the Store leaves out of its lists, such as one whose secret cannot be decrypted,
     * is left out here too, without making the page shorter).
     *
     * @param store the Store, of the class the reader was installed for
     * @param query which webhooks
     * @return at most {@code query.limit()} webhooks
     */
    List<Webhook> page(Store store, Query query);
  }

  private static final StoreHooks<Reader> READERS = new StoreHooks<>("a keyset read");

  private WebhookKeyset() {}

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
   * Lists a page of webhooks, if the Store has a keyset read.
   *
   * @param store the Store
   * @param query which webhooks
   * @return at most {@code query.limit()} webhooks; empty if the Store has no keyset read
   */
  public static Optional<List<Webhook>> page(Store store, Query query) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(query, "query");
    Reader reader = READERS.of(store);
    return reader == null ? Optional.empty() : Optional.of(reader.page(store, query));
  }
}
