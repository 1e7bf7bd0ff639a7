package dev.hookline.spring;

import dev.hookline.admin.AdminApi;

/**
 * Changes the auto-configured {@link AdminApi.Builder} after the starter has set the registry, the
 * dispatcher, the store, the application's {@code Authenticator} beans and the paths under {@code
 * hookline.admin.path}, and before it is built: for the settings that have no property (body limit,
 * rate limits, recover pace, clock, ...). Every bean of this type is applied, in {@link
 * org.springframework.core.annotation.Order} order. A customizer that moves the API or the page
 * outside {@code hookline.admin.path} fails startup: the servlet sees only requests below it.
 *
 * <p>Called once, on the thread that creates the context; implementations need not be thread-safe.
 */
@FunctionalInterface
public interface AdminApiCustomizer {
  /**
   * Changes the builder.
   *
   * @param builder the builder, with the starter's settings already made
   */
  void customize(AdminApi.Builder builder);
}
