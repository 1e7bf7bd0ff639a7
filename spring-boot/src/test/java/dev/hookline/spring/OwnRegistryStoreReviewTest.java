package dev.hookline.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Webhook;
import dev.hookline.WebhookRegistry;
import dev.hookline.admin.spi.AdminStore;
import dev.hookline.admin.store.InMemoryAdminStore;
import dev.hookline.admin.store.PostgresAdminStore;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.spi.Store;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.store.InMemoryStore;
import dev.hookline.store.jdbc.PostgresStore;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.health.HealthContributorAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.health.HealthEndpointAutoConfiguration;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Review r140: a {@code WebhookRegistry} (or {@code Dispatcher}) of the application's own over a
 * Store that is not a bean still got the starter's Store, which nothing used: an in-memory one that
 * warned it was not durable, or, with hookline-store-jdbc and a DataSource, a PostgresStore that
 * demanded {@code hookline.secrets.*} keys (startup failed without them), migrated the {@code
 * hookline} schema in the application's database, and became what the health indicator checked and
 * where the admin tokens went. The starter's Store and registry are now made only when something
 * takes them; the health and the admin store look at the Store only when it is in use. In every
 * combination the Dispatcher and the WebhookRegistry bean share their Store.
 */
@ExtendWith(OutputCaptureExtension.class)
class OwnRegistryStoreReviewTest {
  private static final String KEY = Base64.getEncoder().encodeToString(filled(32, 5));

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  HooklineAutoConfiguration.class,
                  HooklineObservabilityAutoConfiguration.class,
                  EndpointAutoConfiguration.class,
                  HealthContributorAutoConfiguration.class,
                  HealthEndpointAutoConfiguration.class))
          .withPropertyValues(
              "management.endpoint.health.show-details=always",
              "hookline.dispatcher.auto-start=false",
              "hookline.allow-insecure-loopback-for-development=true");

  @Test
  void anOwnRegistryOverAStoreThatIsNoBeanGetsNoStoreOfTheStarters(CapturedOutput output) {
    runner
        .withUserConfiguration(OwnRegistry.class)
        .run(
            context -> {
              assertNull(context.getStartupFailure());
              assertFalse(made(context, "hooklineStore"), "the starter made a Store nothing uses");
              assertSameStore(context);
              // The health checks the Store the dispatcher delivers from, which is no bean.
              Map<String, Object> details = hooklineHealth(context).getDetails();
              assertEquals(
                  Map.of(
                      "dispatcher",
                      "not started (auto-start=false)",
                      "store",
                      InMemoryStore.class.getName()),
                  details);
            });
    assertFalse(
        output.getAll().contains("Hookline uses an in-memory store"),
        "warned about an in-memory store nothing uses");
  }

  @Test
  void besideADataSourceItNeedsNoKeysAndMigratesNothingThere() {
    runner
        .withUserConfiguration(OwnRegistry.class)
        .withBean(DataSource.class, EmbeddedDb::pool)
        .withPropertyValues("hookline.store.schema=hookline_r140_registry")
        .run(
            context -> {
              assertNull(context.getStartupFailure(), "asked for keys of a Store nothing uses");
              assertFalse(made(context, "hooklineStore"));
              assertFalse(schemaExists(context, "hookline_r140_registry"));
              assertSameStore(context);
            });
  }

  @Test
  void besideSeveralDataSourcesNonePrimaryItStarts() {
    runner
        .withUserConfiguration(OwnRegistry.class)
        .withBean(
            "one",
            DataSource.class,
            () -> SimpleConnectionPool.forUrl("jdbc:postgresql://127.0.0.1:1/one", 1))
        .withBean(
            "two",
            DataSource.class,
            () -> SimpleConnectionPool.forUrl("jdbc:postgresql://127.0.0.1:1/two", 1))
        .run(context -> assertNull(context.getStartupFailure()));
  }

  @Test
  void anOwnRegistryOverTheStartersStoreGetsItAndTheHealthChecksIt() {
    runner
        .withUserConfiguration(OwnRegistryOverStoreBean.class)
        .withBean(DataSource.class, EmbeddedDb::pool)
        .withPropertyValues(
            "hookline.store.schema=hookline_r140_over_bean",
            "hookline.secrets.primary-key-id=k1",
            "hookline.secrets.primary-key=" + KEY)
        .run(
            context -> {
              assertNull(context.getStartupFailure());
              assertTrue(made(context, "hooklineStore"));
              Webhook w = assertSameStore(context);
              assertTrue(context.getBean(Store.class).findWebhook(w.id()).isPresent());
              assertEquals(
                  PostgresStore.class.getName(), hooklineHealth(context).getDetails().get("store"));
            });
  }

  @Test
  void theAdminTokensOfAnOwnRegistryOverAStoreThatIsNoBeanMigrateNothing(CapturedOutput output) {
    admin()
        .withUserConfiguration(OwnRegistry.class)
        .withBean(DataSource.class, EmbeddedDb::pool)
        .withPropertyValues("hookline.store.schema=hookline_r140_admin")
        .run(
            context -> {
              assertNull(context.getStartupFailure(), "asked for keys of a Store nothing uses");
              assertFalse(made(context, "hooklineStore"));
              assertFalse(schemaExists(context, "hookline_r140_admin"));
              // The registry's Store is in memory: so are the tokens, and the WARN says so.
              assertInstanceOf(InMemoryAdminStore.class, context.getBean(AdminStore.class));
            });
    assertTrue(
        output.getAll().contains("Hookline's admin API keeps its tokens and audit log in memory"),
        "no WARN that the tokens are lost at a stop");
  }

  @Test
  void anOwnRegistryOverAPostgresStoreThatIsNoBeanKeepsTheAdminTokensThere() {
    // Before: the starter could not see a Store that is not a bean, so the tokens were kept in
    // memory and the health checked no Store.
    try (SimpleConnectionPool storeDatabase = EmbeddedDb.pool()) {
      PostgresStore own =
          PostgresStore.builder(storeDatabase)
              .schema("hookline_r143_own")
              .secretCipher(AesGcmSecretCipher.builder().primaryKey("k1", filled(32, 7)).build())
              .build();
      admin()
          .withBean(
              "ownRegistry",
              WebhookRegistry.class,
              () ->
                  WebhookRegistry.builder()
                      .store(own)
                      .allowInsecureLoopbackForDevelopment(true)
                      .build())
          .run(
              context -> {
                assertNull(context.getStartupFailure());
                assertFalse(made(context, "hooklineStore"));
                AdminStore tokens = context.getBean(AdminStore.class);
                assertInstanceOf(PostgresAdminStore.class, tokens);
                assertTrue(
                    tokens.toString().contains("hookline_r143_own"),
                    "the tokens are not kept in the registry's schema: " + tokens);
              });
    }
  }

  @Test
  void theAdminTokensOfAnOwnRegistryOverTheStartersPostgresStoreStayInPostgres() {
    admin()
        .withUserConfiguration(OwnRegistryOverStoreBean.class)
        .withBean(DataSource.class, EmbeddedDb::pool)
        .withPropertyValues(
            "hookline.store.schema=hookline_r140_admin_pg",
            "hookline.secrets.primary-key-id=k1",
            "hookline.secrets.primary-key=" + KEY)
        .run(
            context -> {
              assertNull(context.getStartupFailure());
              assertInstanceOf(PostgresAdminStore.class, context.getBean(AdminStore.class));
            });
  }

  @Test
  void anOwnDispatcherOverARegistryThatIsNoBeanGetsNoRegistryNorStoreOfTheStarters() {
    runner
        .withUserConfiguration(OwnDispatcher.class)
        .withBean(DataSource.class, EmbeddedDb::pool)
        .withPropertyValues("hookline.store.schema=hookline_r140_dispatcher")
        .run(
            context -> {
              assertNull(context.getStartupFailure(), "asked for keys of a Store nothing uses");
              assertFalse(made(context, "hooklineWebhookRegistry"));
              assertFalse(made(context, "hooklineStore"));
              assertFalse(schemaExists(context, "hookline_r140_dispatcher"));
            });
  }

  @Test
  void theDispatcherAndTheRegistryShareTheirStoreInEveryOtherCombination() {
    List<Class<?>[]> combinations =
        List.of(
            new Class<?>[] {},
            new Class<?>[] {OwnStore.class},
            new Class<?>[] {OwnRegistry.class},
            new Class<?>[] {OwnRegistryOverStoreBean.class},
            new Class<?>[] {OwnStore.class, OwnRegistryOverStoreBean.class},
            new Class<?>[] {OwnDispatcherOverRegistryBean.class},
            new Class<?>[] {OwnStore.class, OwnDispatcherOverRegistryBean.class});
    for (Class<?>[] own : combinations) {
      runner
          .withUserConfiguration(own)
          .run(
              context -> {
                assertNull(context.getStartupFailure(), Arrays.toString(own));
                assertSameStore(context);
              });
    }
  }

  /**
   * Creates a webhook through the WebhookRegistry bean and publishes through the Dispatcher bean:
   * the dispatcher finds the webhook only in the same Store.
   */
  private static Webhook assertSameStore(AssertableApplicationContext context) {
    Webhook w = Webhooks.receiving(context.getBean(WebhookRegistry.class), "http://127.0.0.1:9/h");
    Dispatcher dispatcher = context.getBean(Dispatcher.class);
    dispatcher.reloadWebhooks();
    assertEquals(
        List.of(w.id()),
        dispatcher.publish(Webhooks.event()).webhookIds(),
        "the dispatcher is on another Store than the registry");
    return w;
  }

  private static boolean made(ConfigurableApplicationContext context, String bean) {
    return context.getBeanFactory().containsSingleton(bean);
  }

  private static Health hooklineHealth(AssertableApplicationContext context) {
    return (Health) context.getBean(HealthEndpoint.class).healthForPath("hookline");
  }

  private static boolean schemaExists(ConfigurableApplicationContext context, String schema)
      throws SQLException {
    try (Connection c = context.getBean(DataSource.class).getConnection();
        PreparedStatement q =
            c.prepareStatement("SELECT 1 FROM information_schema.schemata WHERE schema_name = ?")) {
      q.setString(1, schema);
      try (ResultSet r = q.executeQuery()) {
        return r.next();
      }
    }
  }

  private WebApplicationContextRunner admin() {
    return new WebApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                HooklineAutoConfiguration.class, HooklineAdminAutoConfiguration.class))
        .withPropertyValues("hookline.admin.enabled=true", "hookline.dispatcher.auto-start=false");
  }

  private static byte[] filled(int length, int value) {
    byte[] b = new byte[length];
    Arrays.fill(b, (byte) value);
    return b;
  }

  /** A registry over a Store that is not a bean. */
  @Configuration(proxyBeanMethods = false)
  static class OwnRegistry {
    @Bean
    WebhookRegistry ownRegistry() {
      return WebhookRegistry.builder()
          .store(new InMemoryStore())
          .allowInsecureLoopbackForDevelopment(true)
          .build();
    }
  }

  /** A registry over the Store bean, whoever defines it. */
  @Configuration(proxyBeanMethods = false)
  static class OwnRegistryOverStoreBean {
    @Bean
    WebhookRegistry ownRegistry(Store store) {
      return WebhookRegistry.builder()
          .store(store)
          .allowInsecureLoopbackForDevelopment(true)
          .build();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnStore {
    @Bean
    Store ownStore() {
      return new InMemoryStore();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnDispatcherOverRegistryBean {
    @Bean
    Dispatcher ownDispatcher(WebhookRegistry registry) {
      return Dispatcher.builder().registry(registry).build();
    }
  }

  /** A dispatcher over a registry that is not a bean, over a Store that is not one either. */
  @Configuration(proxyBeanMethods = false)
  static class OwnDispatcher {
    @Bean
    Dispatcher ownDispatcher() {
      return Dispatcher.builder()
          .registry(WebhookRegistry.builder().store(new InMemoryStore()).build())
          .build();
    }
  }
}
