package dev.hookline.set;

import dev.hookline.spi.Store;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.store.jdbc.PostgresStore;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The SET end-to-end run on the PostgreSQL store (embedded PostgreSQL, schema migrated to 4+). */
class PostgresEndToEndTest extends EndToEndContract {
  private static EmbeddedPostgres pg;
  private static final AtomicInteger SCHEMAS = new AtomicInteger();

  @BeforeAll
  static void start() throws IOException {
    pg = EmbeddedPostgres.builder().start();
  }

  @AfterAll
  static void stop() throws IOException {
    pg.close();
  }

  @Override
  protected Store store() {
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) 7);
    return PostgresStore.builder(pg.getPostgresDatabase())
        .schema("set_e2e_" + SCHEMAS.incrementAndGet()) // each test its own, empty
        .secretCipher(AesGcmSecretCipher.builder().primaryKey("test-1", key).build())
        .build();
  }
}
