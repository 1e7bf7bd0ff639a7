package dev.hookline.admin;

import dev.hookline.admin.spi.AdminStore;
import dev.hookline.admin.store.PostgresAdminStore;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.store.jdbc.PostgresStore;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link TokenRetentionTest} over {@link PostgresAdminStore}, one fresh schema per test. The store
 * gets its connections from a small pool: the embedded server's own DataSource opens a new
 * connection (a new server process) for each statement, which made the hundreds of token requests
 * take seconds and is not what the test is about.
 */
class PostgresTokenRetentionTest extends TokenRetentionTest {
  static SimpleConnectionPool ds;
  private static final AtomicInteger SCHEMAS = new AtomicInteger();

  @BeforeAll
  static void start() throws IOException {
    ds = SimpleConnectionPool.of(SharedPostgres.database(), 4);
  }

  @AfterAll
  static void stop() throws IOException {
    ds.close();
  }

  @Override
  AdminStore newStore() {
    String schema = "token_retention_" + SCHEMAS.incrementAndGet();
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) 7);
    PostgresStore.builder(ds)
        .schema(schema)
        .secretCipher(AesGcmSecretCipher.builder().primaryKey("test-1", key).build())
        .build()
        .close();
    return PostgresAdminStore.create(ds, schema);
  }
}
