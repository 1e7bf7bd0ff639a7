package dev.hookline.bench;

import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.store.jdbc.PostgresStore;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.security.SecureRandom;

/**
 * An embedded PostgreSQL for the harness, with a fresh schema (and connection pool) for every store
 * it hands out, so that no run sees another run's webhooks or deliveries. Not thread-safe.
 */
final class Postgres implements AutoCloseable {
  /**
   * Connections per store: the dispatcher's default 32 workers plus a few, as a user would size.
   */
  static final int POOL = 40;

  private final EmbeddedPostgres pg;
  private final byte[] key = new byte[32];
  private int schemas;

  private Postgres(EmbeddedPostgres pg) {
    this.pg = pg;
    new SecureRandom().nextBytes(key);
  }

  static Postgres start() throws IOException {
    return Children.register(new Postgres(EmbeddedPostgres.builder().start()));
  }

  /** A PostgreSQL store in a new schema with its own pool; close it to close the pool. */
  Store freshStore() {
    SimpleConnectionPool pool = SimpleConnectionPool.of(pg.getPostgresDatabase(), POOL);
    PostgresStore store =
        PostgresStore.builder(pool)
            .schema("load_" + ++schemas)
            .secretCipher(AesGcmSecretCipher.builder().primaryKey("load", key).build())
            .build();
    return new Store(store, pool);
  }

  /** A store and the pool behind it. */
  record Store(PostgresStore store, SimpleConnectionPool pool) implements AutoCloseable {
    @Override
    public void close() {
      pool.close();
    }
  }

  @Override
  public void close() throws IOException {
    Children.closed(this);
    pg.close();
  }

  @Override
  public String toString() {
    return "embedded PostgreSQL";
  }
}
