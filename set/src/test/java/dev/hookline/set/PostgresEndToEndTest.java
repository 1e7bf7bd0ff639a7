package dev.hookline.set;

import dev.hookline.spi.Store;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.store.jdbc.PostgresStore;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The SET end-to-end run on the PostgreSQL store (embedded PostgreSQL, schema migrated to 4+). The
 * stores share a small pool: the embedded server's own DataSource opens a new connection for every
 * statement.
 */
class PostgresEndToEndTest extends EndToEndContract {
  private static EmbeddedPostgres pg;
  private static SimpleConnectionPool ds;
  private static final AtomicInteger SCHEMAS = new AtomicInteger();

  @BeforeAll
  static void start() throws IOException {
    pg = EmbeddedPostgres.builder().start();
    // generous: each test's store keeps a connection for its change feed
    ds = SimpleConnectionPool.of(pg.getPostgresDatabase(), 16);
  }

  @AfterAll
  static void stop() throws IOException {
    ds.close();
    pg.close();
  }

  @Override
  protected Store store() {
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) 7);
    return PostgresStore.builder(ds)
        .schema("set_e2e_" + SCHEMAS.incrementAndGet()) // each test its own, empty
        .secretCipher(AesGcmSecretCipher.builder().primaryKey("test-1", key).build())
        .build();
  }
}
