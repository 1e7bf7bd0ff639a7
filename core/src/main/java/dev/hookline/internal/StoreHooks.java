package dev.hookline.internal;

import dev.hookline.spi.Store;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;

/**
 * The implementations of one internal hook ({@link DeliveryKeyset}, {@link DeliveryRequeue}, {@link
 * DeliveryTotals}, {@link WebhookKeyset}, {@link WebhookVersions}) by Store class: a Store class
 * installs its own from its static initialiser, which has run before anyone holds an instance.
 *
 * <p>Thread-safe.
 *
 * @param <H> the hook's type
 */
final class StoreHooks<H> {
  private final String what;
  private final ConcurrentMap<Class<?>, H> byStoreClass = new ConcurrentHashMap<>();

  /**
   * @param what what a hook is, for the error when one is installed twice ("a requeue")
   */
  StoreHooks(String what) {
    this.what = what;
  }

  /**
   * Installs the hook of a Store class. Called once per class.
   *
   * @throws IllegalStateException if one is installed for the class already
   */
  void install(Class<? extends Store> type, H hook) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(hook, what);
    if (byStoreClass.putIfAbsent(type, hook) != null) {
      throw new IllegalStateException(what + " is installed for " + type.getName());
    }
  }

  /** The hook of the Store's class; null if it has none. */
  @Nullable H of(Store store) {
    return byStoreClass.get(Objects.requireNonNull(store, "store").getClass());
  }
}
