package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.pending;
import static dev.hookline.store.jdbc.Fixtures.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.store.jdbc.internal.Migrations;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A database (or role, or pool) whose default transaction isolation is REPEATABLE READ: the store's
 * multi-statement transactions rely on READ COMMITTED (a statement that waited for another
 * transaction sees what it committed), so they must ask for it rather than inherit the default.
 */
class RepeatableReadDefaultTest {
  private static final String SCHEMA = "rr_default";
  private static final String RACE_SCHEMA = "rr_migrate_race";
  private static final SimpleConnectionPool PLAIN =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 4);

  /** A pool whose sessions default to REPEATABLE READ, as after ALTER ROLE … SET. */
  private static final SimpleConnectionPool RR =
      SimpleConnectionPool.forUrl(
          "jdbc:postgresql://127.0.0.1:"
              + EmbeddedDb.server().getPort()
              + "/postgres?user=postgres&options=-c%20default_transaction_isolation%3D"
              + "repeatable%5C%20read",
          6);

  @AfterAll
  static void cleanUp() {
    EmbeddedDb.dropSchema(PLAIN, SCHEMA);
    EmbeddedDb.dropSchema(PLAIN, RACE_SCHEMA);
    RR.close();
    PLAIN.close();
  }

  @Test
  void thePoolReallyDefaultsToRepeatableRead() throws SQLException {
    try (Connection c = RR.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SHOW transaction_isolation")) {
      rs.next();
      assertEquals("repeatable read", rs.getString(1));
    }
  }

  @Test
  void aWebhookDeletedWhileAnEnqueueIsOpenLeavesNoDeliveryBehind() throws Exception {
    PostgresStore store = EmbeddedDb.store(RR, SCHEMA);
    EmbeddedDb.truncate(PLAIN, SCHEMA);
    store.insertWebhook(webhook("wh_rr", T0));
    AtomicBoolean deleted = new AtomicBoolean();
    Thread deleter;
    try (Connection c = PLAIN.getConnection()) {
      c.setAutoCommit(false);
      assertEquals(1, store.enqueue(c, List.of(pending("dlv_rr", "wh_rr", "evt_rr", T0))).size());
      deleter = new Thread(() -> deleted.set(store.deleteWebhook("wh_rr")), "deleter");
      deleter.start();
      Poll.until(
          Duration.ofSeconds(10),
          () -> waiting("DELETE FROM%webhooks%"),
          "the delete waits for the enqueuing transaction");
      c.commit();
    }
    deleter.join(Duration.ofSeconds(10).toMillis());
    assertFalse(deleter.isAlive());
    assertTrue(deleted.get());
    assertEquals(
        0,
        EmbeddedDb.count(
            PLAIN, "SELECT count(*) FROM \"" + SCHEMA + "\".deliveries WHERE webhook_id = 'wh_rr'"),
        "a delivery outlived its webhook: nothing claims or purges it");
  }

  @Test
  void anInstanceThatWaitedForAnotherInstancesMigrationStartsOnIt() throws Exception {
    EmbeddedDb.dropSchema(PLAIN, RACE_SCHEMA);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread second;
    try (Connection first = PLAIN.getConnection()) {
      first.setAutoCommit(false);
      // The first instance holds the migration lock...
      try (PreparedStatement lock = first.prepareStatement("SELECT pg_advisory_xact_lock(?, ?)")) {
        lock.setInt(1, 0x486B6C6E);
        lock.setInt(2, RACE_SCHEMA.hashCode());
        lock.execute();
      }
      // ...while the second starts and waits for it...
      second =
          new Thread(
              () -> {
                try {
                  EmbeddedDb.store(RR, RACE_SCHEMA);
                } catch (Throwable t) {
                  failure.set(t);
                }
              },
              "second instance");
      second.start();
      Poll.until(
          Duration.ofSeconds(10),
          () -> waiting("SELECT pg_advisory_xact_lock%"),
          "the second instance waits for the migration lock");
      // ...and the first creates the schema and commits, as its migration does.
      try (Statement s = first.createStatement()) {
        s.execute("CREATE SCHEMA \"" + RACE_SCHEMA + "\"");
      }
      first.commit();
    }
    second.join(Duration.ofSeconds(30).toMillis());
    assertFalse(second.isAlive());
    assertNull(failure.get(), () -> "the second instance failed to start: " + failure.get());
    assertEquals(
        Migrations.latestVersion(),
        EmbeddedDb.count(PLAIN, "SELECT max(version) FROM \"" + RACE_SCHEMA + "\".schema_version"));
  }

  /**
   * A pool lending connections with auto-commit off and a transaction already begun by its own
   * validation query (HikariCP with {@code autoCommit=false} and a {@code connectionTestQuery}):
   * the store's transactions still run, and run READ COMMITTED.
   */
  @Test
  void aConnectionLentWithATransactionBegunStillRunsTheStoresTransactions() throws Exception {
    javax.sql.DataSource validating =
        (javax.sql.DataSource)
            java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {javax.sql.DataSource.class},
                (proxy, method, args) -> {
                  if (!method.getName().equals("getConnection")) {
                    return method.invoke(RR, args);
                  }
                  Connection c = RR.getConnection();
                  c.setAutoCommit(false);
                  try (Statement s = c.createStatement()) {
                    s.execute("SELECT 1"); // the pool's validation query, in a transaction
                  }
                  return c;
                });
    PostgresStore store = EmbeddedDb.store(validating, SCHEMA);
    EmbeddedDb.truncate(PLAIN, SCHEMA);
    store.insertWebhook(webhook("wh_v", T0));
    assertTrue(store.deleteWebhook("wh_v"));
    assertEquals(0, store.purge(T0, 10));
  }

  private static boolean waiting(String queryLike) {
    try (Connection c = PLAIN.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    + " AND query LIKE ?")) {
      ps.setString(1, queryLike);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1) > 0;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
