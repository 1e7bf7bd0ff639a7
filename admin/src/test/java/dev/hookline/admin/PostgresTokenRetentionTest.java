package dev.hookline.admin;

import dev.hookline.admin.spi.AdminStore;
import dev.hookline.admin.store.PostgresAdminStore;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.store.jdbc.PostgresStore;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link TokenRetentionTest} over {@link PostgresAdminStore}, one fresh schema per test. */
class PostgresTokenRetentionTest extends TokenRetentionTest {
  static EmbeddedPostgres pg;
  static DataSource ds;
  private static final AtomicInteger SCHEMAS = new AtomicInteger();

  @BeforeAll
  static void start() throws IOException {
    pg = EmbeddedPostgres.builder().start();
    ds = pg.getPostgresDatabase();
  }

  @AfterAll
  static void stop() throws IOException {
    pg.close();
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
