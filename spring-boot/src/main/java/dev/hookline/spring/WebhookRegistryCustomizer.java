package dev.hookline.spring;

import dev.hookline.WebhookRegistry;

/**
 * Changes the auto-configured {@link WebhookRegistry.Builder} after the store, filter compiler and
 * properties are set and before it is built: for the settings that have no property (event
 * catalogue, address policy, clock, ...). Every bean of this type is applied, in {@link
 * org.springframework.core.annotation.Order} order.
 *
 * <p>Called once, on the thread that creates the context; implementations need not be thread-safe.
 */
@FunctionalInterface
public interface WebhookRegistryCustomizer {
  /**
   * Changes the builder.
   *
   * @param builder the builder, with the store and filter compiler already set
   */
  void customize(WebhookRegistry.Builder builder);
}
