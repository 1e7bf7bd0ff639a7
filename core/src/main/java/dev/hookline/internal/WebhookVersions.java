package dev.hookline.internal;

import dev.hookline.Webhook;
import dev.hookline.spi.Store;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a dispatcher's periodic webhook reload reads when its Store can say which webhooks changed:
 * every webhook's id and version, without the rest of its row and without decrypting its secrets,
 * then in full only the webhooks whose version the dispatcher does not know. Through {@link
 * Store#listWebhooks()} each reload (every 30 s by default, on every instance) read every row and
 * decrypted every secret: at 20,000 webhooks, seconds of CPU per reload.
 *
 * <p>Hookline's PostgreSQL Store installs its reads when its class is initialised, which has
 * happened before anyone holds one of them; any other Store has none ({@link #of} is empty) and is
 * reloaded through {@link Store#listWebhooks()}. Core exports this package only to Hookline's own
 * modules. Not API.
 *
 * <p>Thread-safe.
 */
public final class WebhookVersions {
  /** A Store's reads of webhook versions and of chosen webhooks. */
  public interface Reader {
    /**
     * Lists the id and version of every stored webhook, as {@link Store#listWebhooks()} would list
     * them (a row it leaves out, such as one whose secret cannot be decrypted, may be listed here:
     * {@link #read} leaves it out).
     *
     * @param store the Store, of the class the reader was installed for
     * @return version by webhook id
     */
    Map<String, Long> versions(Store store);

    /**
     * Reads the webhooks of the ids given that exist, as {@link Store#listWebhooks()} reads them
     * (leaving out those it leaves out), in any order.
     *
     * @param store the Store, of the class the reader was installed for
     * @param ids the webhooks, each once
     * @return those that exist and can be read
     */
    List<Webhook> read(Store store, Collection<String> ids);
  }

  private static final StoreHooks<Reader> READERS = new StoreHooks<>("webhook version reads");

  private WebhookVersions() {}

  /**
   * Installs the reads of a Store class. Called once per class, from its static initialiser.
   *
   * @param type the Store class (final: its instances are exactly of it)
   * @param reader the reads
   * @throws IllegalStateException if reads are installed for the class already
   */
  public static void install(Class<? extends Store> type, Reader reader) {
    READERS.install(type, reader);
  }

  /**
   * The Store's reads of webhook versions, if it has them.
   *
   * @param store the Store
   * @return its reads; empty if it has none
   */
  public static Optional<Reader> of(Store store) {
    Objects.requireNonNull(store, "store");
    return Optional.ofNullable(READERS.of(store));
  }
}
