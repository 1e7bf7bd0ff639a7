package dev.hookline.delivery.internal.access;

import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.internal.RegistryAccess;
import dev.hookline.spi.Store;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Hands Hookline's own modules what a {@link Dispatcher}'s API does not show: its lifecycle state,
 * whoever started or closed it (the Spring Boot starter's health indicator reports it), and the
 * registry it was built over, with that registry's Store (the starter makes its {@code
 * WebhookRegistry} bean the registry of an application's own dispatcher, and refuses to start when
 * the two are on different Stores). {@code Dispatcher} installs the accessors when its class is
 * initialised, which has happened before anyone holds a dispatcher. Delivery exports this package
 * only to {@code dev.hookline.spring}. Not API.
 *
 * <p>Thread-safe.
 */
public final class DispatcherAccess {
  /** Where a dispatcher is in its life. */
  public enum State {
    /** Built, not started: it publishes, and delivers only when its host calls runDueNow(). */
    NOT_STARTED,
    /** Started: its workers deliver in the background. */
    RUNNING,
    /** close() has begun and not returned: publishes fail, attempts in flight drain. */
    CLOSING,
    /** Closed: publishes fail, nothing is delivered. */
    CLOSED
  }

  private record Accessors(
      Function<Dispatcher, State> state, Function<Dispatcher, WebhookRegistry> registry) {}

  private static volatile @Nullable Accessors access;

  private DispatcherAccess() {}

  /**
   * Installs the accessors. Called once, by {@code Dispatcher}.
   *
   * @param state maps a dispatcher to its state
   * @param registry maps a dispatcher to the registry it was built over
   * @throws IllegalStateException if the accessors are installed already
   */
  public static synchronized void install(
      Function<Dispatcher, State> state, Function<Dispatcher, WebhookRegistry> registry) {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(registry, "registry");
    if (access != null) {
      throw new IllegalStateException("the dispatcher accessor is installed already");
    }
    access = new Accessors(state, registry);
  }

  /**
   * Returns the state of {@code dispatcher}.
   *
   * @param dispatcher the dispatcher
   * @return its state now
   */
  public static State state(Dispatcher dispatcher) {
    Objects.requireNonNull(dispatcher, "dispatcher");
    return accessors().state().apply(dispatcher);
  }

  /**
   * Returns the registry {@code dispatcher} was built over.
   *
   * @param dispatcher the dispatcher
   * @return its registry
   */
  public static WebhookRegistry registry(Dispatcher dispatcher) {
    Objects.requireNonNull(dispatcher, "dispatcher");
    return accessors().registry().apply(dispatcher);
  }

  /**
   * Returns the Store {@code registry} keeps its webhooks in, which a dispatcher built over it
   * delivers from. Core shows it to delivery, not to the starter.
   *
   * @param registry the registry
   * @return its Store
   */
  public static Store store(WebhookRegistry registry) {
    return RegistryAccess.stateChanges(Objects.requireNonNull(registry, "registry")).store();
  }

  private static Accessors accessors() {
    Accessors a = access;
    if (a == null) {
      // Cannot happen: holding a dispatcher means its class, which installs the accessors, is
      // initialised.
      throw new IllegalStateException("Dispatcher is not initialised");
    }
    return a;
  }
}
