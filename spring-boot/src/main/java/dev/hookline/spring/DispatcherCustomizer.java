package dev.hookline.spring;

import dev.hookline.delivery.Dispatcher;

/**
 * Changes the auto-configured {@link Dispatcher.Builder} after the {@code hookline.dispatcher.*}
 * properties are applied and before it is built: for the settings that have no property (retry
 * schedule, circuit breaker, listener, HTTP client, ...). Every bean of this type is applied, in
 * {@link org.springframework.core.annotation.Order} order.
 *
 * <p>Called once, on the thread that creates the context; implementations need not be thread-safe.
 */
@FunctionalInterface
public interface DispatcherCustomizer {
  /**
   * Changes the builder.
   *
   * @param builder the builder, with the properties and observers already set
   */
  void customize(Dispatcher.Builder builder);
}
