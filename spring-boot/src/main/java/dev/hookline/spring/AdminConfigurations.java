package dev.hookline.spring;

import dev.hookline.WebhookRegistry;
import dev.hookline.admin.AdminApi;
import dev.hookline.admin.Authenticator;
import dev.hookline.admin.spi.AdminStore;
import dev.hookline.admin.store.InMemoryAdminStore;
import dev.hookline.admin.store.PostgresAdminStore;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.spi.Store;
import dev.hookline.store.jdbc.PostgresStore;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The admin API's beans, in the order {@link HooklineAdminAutoConfiguration} imports them: its
 * store (PostgreSQL beside the starter's PostgreSQL store, else in memory), then the API.
 */
final class AdminConfigurations {
  private static final Logger log = LoggerFactory.getLogger(AdminConfigurations.class);

  static final String PATH_PROPERTY = "hookline.admin.path";

  /** Segments of URL characters that need no escaping, each after a slash; no trailing slash. */
  private static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9._~-]+)+");

  private AdminConfigurations() {}

  /**
   * Tokens and the audit log in the tables migration 6 adds to the starter's PostgreSQL schema,
   * when the Store is a PostgresStore (over its own DataSource, in its schema); else in memory.
   * Whether the Store is one is known only once it is made: an application's {@code @Bean Store}
   * that returns a PostgresStore is declared as a Store, which a condition on the type
   * PostgresStore never sees.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "dev.hookline.store.jdbc.PostgresStore")
  @ConditionalOnMissingBean({AdminStore.class, AdminApi.class})
  static class Postgres {
    @Bean
    @ConditionalOnSingleCandidate(Store.class)
    AdminStore hooklineAdminStore(
        ObjectProvider<Store> stores,
        ObjectProvider<Dispatcher> dispatchers,
        ConfigurableListableBeanFactory beans) {
      // The Store in use, not the Store bean as such: the starter's, which nothing else may use,
      // would be made (and its schema migrated) for the tokens alone. Getting it also orders this
      // after it: a PostgresStore migrates the schema, and create refuses a schema below version 6.
      Store store = StoreConfigurations.inUse(stores, dispatchers, beans);
      if (store == null) {
        log.warn(
            "Hookline's admin API keeps its tokens and audit log in memory: they are lost when the"
                + " application stops. The application's WebhookRegistry uses a Store that is not a"
                + " bean; define that Store as a Store bean (a PostgresStore keeps them in its"
                + " schema), or define an AdminStore bean, for durable ones");
        return new InMemoryAdminStore();
      }
      // The store's own DataSource, not the DataSource bean: an application's Store bean may be a
      // PostgresStore over another database (the README's advice for several DataSources), whose
      // schema the DataSource bean does not have.
      if (store instanceof PostgresStore postgres) {
        return PostgresAdminStore.create(postgres.dataSource(), postgres.schema());
      }
      return inMemory();
    }
  }

  /** In memory, when no other AdminStore is defined: not durable, so it says so once. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnMissingBean({AdminStore.class, AdminApi.class})
  static class InMemory {
    @Bean
    InMemoryAdminStore hooklineAdminStore() {
      return inMemory();
    }
  }

  private static InMemoryAdminStore inMemory() {
    log.warn(
        "Hookline's admin API keeps its tokens and audit log in memory: they are lost when the"
            + " application stops. Use the PostgreSQL store (hookline-store-jdbc and a"
            + " DataSource), or define an AdminStore bean, for durable ones");
    return new InMemoryAdminStore();
  }

  /** The API over the one registry and dispatcher, unless the application defines its own. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnSingleCandidate(WebhookRegistry.class)
  static class Api {
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnSingleCandidate(Dispatcher.class)
    AdminApi hooklineAdminApi(
        WebhookRegistry registry,
        Dispatcher dispatcher,
        AdminStore store,
        HooklineProperties properties,
        Environment environment,
        ObjectProvider<Authenticator> authenticators,
        ObjectProvider<AdminApiCustomizer> customizers) {
      String prefix = mountPrefix(environment, properties.getAdmin().getPath());
      AdminApi.Builder builder =
          AdminApi.builder()
              .registry(registry)
              .dispatcher(dispatcher)
              .store(store)
              .basePath(prefix + AdminApi.DEFAULT_BASE_PATH)
              .pagePath(prefix + AdminApi.DEFAULT_PAGE_PATH);
      authenticators.orderedStream().forEach(builder::authenticator);
      customizers.orderedStream().forEach(c -> c.customize(builder));
      return builder.build();
    }
  }

  /**
   * The mount as the client sees it: the servlet context path and {@code hookline.admin.path}.
   *
   * @throws InvalidConfigurationPropertyValueException if the path is malformed
   */
  static String mountPrefix(Environment environment, String path) {
    return contextPath(environment) + checkedPath(path);
  }

  static String checkedPath(String path) {
    if (!PATH.matcher(path).matches()
        || path.contains("/./")
        || path.contains("/../")
        || path.endsWith("/.")
        || path.endsWith("/..")) {
      throw new InvalidConfigurationPropertyValueException(
          PATH_PROPERTY,
          path,
          "it must start with '/' and not end with one, and be path segments of A-Z a-z 0-9 . _ ~ -"
              + " (not . or ..), such as /hookline");
    }
    return path;
  }

  private static String contextPath(Environment environment) {
    // Spring Boot's own form: empty for the root, else "/ctx" without a trailing slash.
    String p = environment.getProperty("server.servlet.context-path", "").strip();
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p;
  }
}
