package dev.hookline.spring;

import dev.hookline.admin.AdminApi;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;

/**
 * Mounts hookline-admin's management API and Webhooks admin page in a servlet web application, at
 * {@code hookline.admin.path} ({@code /hookline}): the API at {@code /hookline/api/v1}, the page at
 * {@code /hookline/admin/}. Only when hookline-admin is on the class path, the application is a
 * servlet web application, and {@code hookline.admin.enabled=true}: a management API never appears
 * by surprise. The {@link AdminApi} bean keeps its tokens in PostgreSQL beside the starter's
 * PostgreSQL store, else in memory (with a warning); it takes the application's {@code
 * Authenticator} beans and every {@link AdminApiCustomizer}. An {@link AdminApi} bean of the
 * application's own replaces it, and is mounted the same way.
 *
 * <p>Spring creates and uses it at startup; it holds no state of its own.
 */
@AutoConfiguration(after = HooklineAutoConfiguration.class)
@ConditionalOnClass(name = {"dev.hookline.admin.AdminApi", "jakarta.servlet.http.HttpServlet"})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnProperty(prefix = "hookline.admin", name = "enabled", havingValue = "true")
@EnableConfigurationProperties(HooklineProperties.class)
// The imported configurations are implementation, read by Spring only: not API, though javac sees
// them named on a public type. Imported in this order, the in-memory store backs off for the
// PostgreSQL one.
@SuppressWarnings("exports")
@Import({
  AdminConfigurations.Postgres.class,
  AdminConfigurations.InMemory.class,
  AdminConfigurations.Api.class
})
public final class HooklineAdminAutoConfiguration {
  /** Created by Spring. */
  public HooklineAdminAutoConfiguration() {}

  @Bean
  @ConditionalOnMissingBean(name = "hooklineAdminServlet")
  @ConditionalOnSingleCandidate(AdminApi.class)
  ServletRegistrationBean<AdminServlet> hooklineAdminServlet(
      AdminApi api, HooklineProperties properties, Environment environment) {
    String path = properties.getAdmin().getPath();
    String prefix = AdminConfigurations.mountPrefix(environment, path);
    // The servlet sees only requests below the mount: an API built elsewhere would answer none.
    if (!api.basePath().startsWith(prefix + "/") || !api.pagePath().startsWith(prefix + "/")) {
      throw new IllegalStateException(
          "Hookline's admin servlet is mounted at "
              + prefix
              + "/* ("
              + AdminConfigurations.PATH_PROPERTY
              + "), but the AdminApi bean answers at "
              + api.basePath()
              + " and "
              + api.pagePath()
              + ": build it with basePath(\""
              + prefix
              + AdminApi.DEFAULT_BASE_PATH
              + "\") and pagePath(\""
              + prefix
              + AdminApi.DEFAULT_PAGE_PATH
              + "\"), or set "
              + AdminConfigurations.PATH_PROPERTY);
    }
    ServletRegistrationBean<AdminServlet> registration =
        new ServletRegistrationBean<>(new AdminServlet(api), path + "/*");
    registration.setName("hooklineAdmin");
    return registration;
  }
}
