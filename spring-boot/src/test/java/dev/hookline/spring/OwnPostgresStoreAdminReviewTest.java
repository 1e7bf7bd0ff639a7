package dev.hookline.spring;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.hookline.admin.spi.AdminStore;
import dev.hookline.admin.store.PostgresAdminStore;
import dev.hookline.spi.Store;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.store.jdbc.PostgresStore;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.util.Arrays;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/**
 * Review r73: the README says the admin API keeps its tokens and audit log in PostgreSQL "when the
 * {@code Store} bean is a {@code PostgresStore} over the one {@code DataSource}", and the README
 * tells applications to define a {@code Store} bean to replace the starter's. An application's
 * {@code @Bean Store store(DataSource ds) { return PostgresStore.builder(ds)...build(); }} is such
 * a bean, but the condition looks for a bean <em>declared</em> as {@code PostgresStore}: the admin
 * store falls back to memory (with a WARN telling the application to use the PostgreSQL store it
 * uses), and every admin token and the audit log are lost at the next restart.
 */
class OwnPostgresStoreAdminReviewTest {
  @Test
  void anApplicationsPostgresStoreDeclaredAsStoreKeepsTheAdminTokensInPostgres() {
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) 7);
    // Pools over the tests' shared server (EmbeddedDb): the DataSource bean's is closed with the
    // context, the Store's here.
    try (SimpleConnectionPool storeDatabase = EmbeddedDb.pool()) {
      run(key, storeDatabase);
    }
  }

  private static void run(byte[] key, DataSource storeDatabase) {
    new WebApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                HooklineAutoConfiguration.class, HooklineAdminAutoConfiguration.class))
        .withBean(DataSource.class, EmbeddedDb::pool)
        .withBean(
            Store.class,
            () ->
                PostgresStore.builder(storeDatabase)
                    .schema("hookline_own")
                    .secretCipher(AesGcmSecretCipher.builder().primaryKey("k1", key).build())
                    .build())
        .withPropertyValues("hookline.admin.enabled=true")
        .run(
            context -> {
              assertInstanceOf(PostgresStore.class, context.getBean(Store.class));
              assertInstanceOf(
                  PostgresAdminStore.class,
                  context.getBean(AdminStore.class),
                  "the admin tokens and audit log of a PostgreSQL-backed Hookline are kept in"
                      + " memory");
            });
  }
}
