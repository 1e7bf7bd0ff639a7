package dev.hookline.admin.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hookline.admin.SharedPostgres;
import dev.hookline.admin.spi.AdminStore;
import dev.hookline.admin.spi.AdminStoreException;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.store.jdbc.PostgresStore;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The contract on PostgreSQL, in one schema migrated by PostgresStore and emptied before each test
 * (migrating a schema per test would cost a second each).
 */
class PostgresAdminStoreTest extends AdminStoreContract {
  static SimpleConnectionPool ds;
  static String shared;
  private static final AtomicInteger SCHEMAS = new AtomicInteger();

  @BeforeAll
  static void start() throws IOException {
    ds = SimpleConnectionPool.of(SharedPostgres.database(), 8);
    shared = migratedSchema();
  }

  @AfterAll
  static void stop() throws IOException {
    ds.close();
  }

  static String migratedSchema() {
    String schema = "admin_" + SCHEMAS.incrementAndGet();
    byte[] key = new byte[32];
    java.util.Arrays.fill(key, (byte) 7);
    PostgresStore.builder(ds)
        .schema(schema)
        .secretCipher(AesGcmSecretCipher.builder().primaryKey("test-1", key).build())
        .build()
        .close();
    return schema;
  }

  @Override
  protected AdminStore store() {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute(
          "TRUNCATE \""
              + shared
              + "\".admin_tokens, \""
              + shared
              + "\".admin_audit RESTART IDENTITY");
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
    return PostgresAdminStore.create(ds, shared);
  }

  @Test
  void aSchemaWithoutMigrationSixIsRefused() throws SQLException {
    String schema = migratedSchema();
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute("DELETE FROM \"" + schema + "\".schema_version WHERE version >= 6");
    }
    AdminStoreException e =
        assertThrows(AdminStoreException.class, () -> PostgresAdminStore.create(ds, schema));
    assertEquals(AdminStoreException.Reason.SCHEMA_OUT_OF_DATE, e.reason());
    assertThrows(AdminStoreException.class, () -> PostgresAdminStore.create(ds, "never_created"));
    assertThrows(IllegalArgumentException.class, () -> PostgresAdminStore.create(ds, "Bad-Name"));
  }
}
