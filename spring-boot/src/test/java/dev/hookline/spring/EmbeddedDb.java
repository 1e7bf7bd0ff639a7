package dev.hookline.spring;

import dev.hookline.testing.jdbc.SimpleConnectionPool;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.jspecify.annotations.Nullable;

/**
 * One embedded PostgreSQL for the whole test JVM (started on first use, stopped at exit), shared by
 * the test classes that need one, each in schemas of its own; and pools over it. Its own data
 * sources start a backend per connection (20-40 ms): tests take a pool instead.
 *
 * <p>A pool handed to a context as its {@code DataSource} bean is closed with the context (Spring
 * closes an {@code AutoCloseable} bean), which closes the pool's connections, not the server; a
 * pool used elsewhere is closed by its test.
 */
final class EmbeddedDb {
  private static final int MAX_CONNECTIONS = 5;

  private static @Nullable EmbeddedPostgres instance;

  private EmbeddedDb() {}

  /** Returns the shared server, starting it on first use. */
  static synchronized EmbeddedPostgres server() {
    EmbeddedPostgres pg = instance;
    if (pg == null) {
      try {
        pg = EmbeddedPostgres.builder().start();
      } catch (IOException e) {
        throw new UncheckedIOException("embedded PostgreSQL did not start", e);
      }
      EmbeddedPostgres started = pg;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      started.close();
                    } catch (IOException e) {
                      // the JVM is exiting; the temporary data directory is removed regardless
                    }
                  }));
      instance = pg;
    }
    return pg;
  }

  /** A new pool over the shared server's {@code postgres} database. */
  static SimpleConnectionPool pool() {
    return SimpleConnectionPool.of(server().getPostgresDatabase(), MAX_CONNECTIONS);
  }

  /** A new pool over another database of the shared server, created on first use. */
  static SimpleConnectionPool pool(String database) {
    createDatabase(database);
    return SimpleConnectionPool.of(server().getDatabase("postgres", database), MAX_CONNECTIONS);
  }

  private static synchronized void createDatabase(String database) {
    try (Connection c = server().getPostgresDatabase().getConnection()) {
      try (PreparedStatement q =
          c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
        q.setString(1, database);
        try (ResultSet r = q.executeQuery()) {
          if (r.next()) {
            return;
          }
        }
      }
      try (Statement s = c.createStatement()) {
        s.execute("CREATE DATABASE \"" + database.replace("\"", "\"\"") + "\"");
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not create database " + database, e);
    }
  }
}
