package dev.hookline.spring;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

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
 * Review r78, of round 5's fix for OwnPostgresStoreAdminReviewTest: the admin store is now a
 * PostgresAdminStore over the one {@code DataSource} bean whenever the {@code Store} bean is a
 * PostgresStore, also one the application built over another database. The README's own advice for
 * an application with several DataSources ("mark one {@code @Primary} or define a {@code Store}
 * bean") leads there: the application's primary DataSource is its own database, and its {@code
 * Store} bean is a PostgresStore over Hookline's. The admin store then looks for Hookline's schema
 * in the application's database and the application no longer starts (before round 5 it started,
 * with the admin tokens in memory and a WARN).
 */
class StoreOnOtherDataSourceAdminReviewTest {
  @Test
  void aPostgresStoreOverAnotherDatabaseThanTheDataSourceBeanStillStarts() {
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) 7);
    // Pools over the tests' shared server (EmbeddedDb): the DataSource bean's is closed with the
    // context, the Store's here.
    try (SimpleConnectionPool hooklineDatabase = EmbeddedDb.pool()) {
      run(key, hooklineDatabase);
    }
  }

  private static void run(byte[] key, DataSource hooklineDatabase) {
    new WebApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                HooklineAutoConfiguration.class, HooklineAdminAutoConfiguration.class))
        .withBean(DataSource.class, () -> EmbeddedDb.pool("app"))
        .withBean(
            Store.class,
            () ->
                PostgresStore.builder(hooklineDatabase)
                    .schema("hookline_elsewhere")
                    .secretCipher(AesGcmSecretCipher.builder().primaryKey("k1", key).build())
                    .build())
        .withPropertyValues("hookline.admin.enabled=true")
        .run(
            context -> {
              assertNull(
                  context.getStartupFailure(),
                  "the admin store looked for Hookline's schema in the application's database");
              assertInstanceOf(PostgresAdminStore.class, context.getBean(AdminStore.class));
            });
  }
}
