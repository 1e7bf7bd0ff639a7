package dev.hookline.bench;

import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.store.jdbc.PostgresStore;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * An embedded PostgreSQL for the harness, with a fresh schema (and connection pool) for every store
 * it hands out, so that no run sees another run's webhooks or deliveries. Not thread-safe.
 */
final class Postgres implements AutoCloseable {
  /**
   * Connections per store. A dispatcher needs about 8 whatever its workers (docs/production.md);
   * the harness's publishers and the sized-up pool of earlier runs, kept so that runs compare.
   */
  static final int POOL = 40;

  private final EmbeddedPostgres pg;
  private final Process guard;
  private final byte[] key = new byte[32];
  private int schemas;

  private Postgres(EmbeddedPostgres pg, Process guard) {
    this.pg = pg;
    this.guard = guard;
    new SecureRandom().nextBytes(key);
  }

  static Postgres start() throws IOException {
    EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
    try {
      return Children.register(new Postgres(pg, guard(pg)));
    } catch (IOException | RuntimeException e) {
      pg.close();
      throw e;
    }
  }

  /**
   * A shell that stops the postmaster (fast shutdown) when its standard input closes: if the
   * harness is killed outright, before its shutdown hook can close the database, the pipe closes
   * with it and the database still stops.
   */
  private static Process guard(EmbeddedPostgres pg) throws IOException {
    String dataDirectory;
    try (Connection c = pg.getPostgresDatabase().getConnection();
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SHOW data_directory")) {
      r.next();
      dataDirectory = r.getString(1);
    } catch (SQLException e) {
      throw new IOException("cannot find the embedded database's data directory", e);
    }
    String pid =
        Files.readAllLines(Path.of(dataDirectory, "postmaster.pid"), StandardCharsets.US_ASCII)
            .get(0)
            .trim();
    if (!pid.matches("[0-9]+")) {
      throw new IOException("unexpected postmaster.pid: " + pid);
    }
    return new ProcessBuilder("/bin/sh", "-c", "cat >/dev/null; kill -INT " + pid + " 2>/dev/null")
        .redirectErrorStream(true)
        .start();
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
    try {
      pg.close();
    } finally {
      guard.destroy(); // stopped normally: the guard ends without signalling
    }
  }

  @Override
  public String toString() {
    return "embedded PostgreSQL";
  }
}
