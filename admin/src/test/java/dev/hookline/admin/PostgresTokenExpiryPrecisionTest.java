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

/** {@link TokenExpiryPrecisionTest} over {@link PostgresAdminStore}, one fresh schema per test. */
class PostgresTokenExpiryPrecisionTest extends TokenExpiryPrecisionTest {
  static SimpleConnectionPool ds;
  private static final AtomicInteger SCHEMAS = new AtomicInteger();

  @BeforeAll
  static void start() throws IOException {
    ds = SimpleConnectionPool.of(SharedPostgres.database(), 8);
  }

  @AfterAll
  static void stop() throws IOException {
    ds.close();
  }

  @Override
  AdminStore newStore() {
    String schema = "token_expiry_" + SCHEMAS.incrementAndGet();
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
