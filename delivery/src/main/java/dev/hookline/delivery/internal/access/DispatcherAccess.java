package dev.hookline.delivery.internal.access;

import dev.hookline.delivery.Dispatcher;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Hands Hookline's own modules the lifecycle state of a {@link Dispatcher}, whoever started or
 * closed it (the Spring Boot starter's health indicator reports it). {@code Dispatcher} installs
 * the accessor when its class is initialised, which has happened before anyone holds a dispatcher.
 * Delivery exports this package only to {@code dev.hookline.spring}. Not API.
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

  private static volatile @Nullable Function<Dispatcher, State> access;

  private DispatcherAccess() {}

  /**
   * Installs the accessor. Called once, by {@code Dispatcher}.
   *
   * @param accessor maps a dispatcher to its state
   * @throws IllegalStateException if an accessor is installed already
   */
  public static synchronized void install(Function<Dispatcher, State> accessor) {
    Objects.requireNonNull(accessor, "accessor");
    if (access != null) {
      throw new IllegalStateException("the dispatcher accessor is installed already");
    }
    access = accessor;
  }

  /**
   * Returns the state of {@code dispatcher}.
   *
   * @param dispatcher the dispatcher
   * @return its state now
   */
  public static State state(Dispatcher dispatcher) {
    Objects.requireNonNull(dispatcher, "dispatcher");
    Function<Dispatcher, State> a = access;
    if (a == null) {
      // Cannot happen: holding a dispatcher means its class, which installs the accessor, is
      // initialised.
      throw new IllegalStateException("Dispatcher is not initialised");
    }
    return a.apply(dispatcher);
  }
}
