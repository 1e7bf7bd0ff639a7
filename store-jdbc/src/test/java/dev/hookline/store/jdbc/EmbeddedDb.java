package dev.hookline.store.jdbc;

import dev.hookline.spi.SecretCipher;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * One embedded PostgreSQL for the whole test JVM (started on first use, stopped at exit), and the
 * helpers the tests share. Each test class works in its own schema.
 */
final class EmbeddedDb {
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

  /** Returns a new non-pooled DataSource for the shared server's {@code postgres} database. */
  static DataSource dataSource() {
    return server().getPostgresDatabase();
  }

  /**
   * Returns a pool over the driver for a server the test starts itself on a fixed port (and may
   * restart): its connections to a stopped server fail, and are replaced once it is back.
   */
  static SimpleConnectionPool poolForPort(int port, int maxConnections) {
    return SimpleConnectionPool.forUrl(
        "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres&connectTimeout=5",
        maxConnections);
  }

  /** The cipher the tests use: AES-256 with a fixed test key. */
  static SecretCipher cipher() {
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) 7);
    return AesGcmSecretCipher.builder().primaryKey("test-1", key).build();
  }

  /** Builds (and so migrates) a store in the given schema. */
  static PostgresStore store(DataSource ds, String schema) {
    return PostgresStore.builder(ds).schema(schema).secretCipher(cipher()).build();
  }

  /** Empties the store's tables. */
  static void truncate(DataSource ds, String schema) {
    execute(
        ds,
        "TRUNCATE \""
            + schema
            + "\".deliveries, \""
            + schema
            + "\".events, \""
            + schema
            + "\".endpoint_health, \""
            + schema
            + "\".webhooks");
  }

  /** Drops a schema and everything in it. */
  static void dropSchema(DataSource ds, String schema) {
    execute(ds, "DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
  }

  /**
   * Returns {@code ds} with {@code sql} run on each connection it gives, before the caller has it
   * (a session setting, as a role's or a pool's would be).
   */
  static DataSource eachConnectionRuns(DataSource ds, String sql) {
    return (DataSource)
        java.lang.reflect.Proxy.newProxyInstance(
            DataSource.class.getClassLoader(),
            new Class<?>[] {DataSource.class},
            (proxy, method, args) -> {
              try {
                Object result = method.invoke(ds, args);
                if (result instanceof Connection c) {
                  try (Statement s = c.createStatement()) {
                    s.execute(sql);
                  }
                }
                return result;
              } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  /** Runs one statement in auto-commit. */
  static void execute(DataSource ds, String sql) {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("statement failed: " + sql, e);
    }
  }

  /** Runs a query whose first column of its first row is a count, and returns it. */
  static long count(DataSource ds, String sql) {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException("query failed: " + sql, e);
    }
  }

  /**
   * Waits, up to 20 s, until {@code n} deliveries of the schema are in flight (claimed: leased, and
   * perhaps not yet handed to a worker).
   */
  static void awaitInFlight(DataSource ds, String schema, long n) {
    Poll.until(
        Duration.ofSeconds(20),
        () ->
            count(ds, "SELECT count(*) FROM " + schema + ".deliveries WHERE state = 'IN_FLIGHT'")
                == n,
        n + " deliveries claimed");
  }

  /**
   * Returns how many grouped outcome writes are waiting for a row lock: a test holding a delivery's
   * row from another connection sees the write it holds up.
   */
  static long outcomeWritesWaiting(DataSource ds) {
    return count(
        ds,
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            + " AND query LIKE 'UPDATE%deliveries d SET state = v.state%'");
  }

  /** Sends {@code payload} on the notification channel, from a connection of its own. */
  static void notify(String channel, String payload) {
    try (Connection c = dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
      ps.setString(1, channel);
      ps.setString(2, payload);
      ps.execute();
    } catch (SQLException e) {
      throw new IllegalStateException("pg_notify on " + channel + " failed", e);
    }
  }
}
