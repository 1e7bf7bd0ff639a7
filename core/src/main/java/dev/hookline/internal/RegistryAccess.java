package dev.hookline.internal;

import dev.hookline.WebhookRegistry;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Hands Hookline's own modules the {@link WebhookStateChanges} of a registry. {@code
 * WebhookRegistry} installs the accessor when its class is initialised, which has happened before
 * anyone holds a registry. Core exports this package only to {@code dev.hookline.delivery} and
 * {@code dev.hookline.testing}. Not API.
 *
 * <p>Thread-safe.
 */
public final class RegistryAccess {
  private static volatile @Nullable Function<WebhookRegistry, WebhookStateChanges> access;

  private RegistryAccess() {}

  /**
   * Installs the accessor. Called once, by {@code WebhookRegistry}.
   *
   * @param accessor maps a registry to its state changes
   * @throws IllegalStateException if an accessor is installed already
   */
  public static synchronized void install(Function<WebhookRegistry, WebhookStateChanges> accessor) {
    Objects.requireNonNull(accessor, "accessor");
    if (access != null) {
      throw new IllegalStateException("the registry accessor is installed already");
    }
    access = accessor;
  }

  /**
   * Returns the system-driven state changes of {@code registry}.
   *
   * @param registry the registry
   * @return its state changes
   */
  public static WebhookStateChanges stateChanges(WebhookRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    Function<WebhookRegistry, WebhookStateChanges> a = access;
    if (a == null) {
      // Cannot happen: holding a registry means its class, which installs the accessor, is
      // initialised.
      throw new IllegalStateException("WebhookRegistry is not initialised");
    }
    return a.apply(registry);
  }
}
