package dev.hookline.testing.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a borrower changes on a connection through JDBC does not reach the next borrower: the pool
 * puts back what it found, as HikariCP does (auto-commit, isolation, read-only, catalog, schema,
 * network timeout, warnings). On a real PostgreSQL and its driver, whose setters refuse some
 * changes inside a transaction.
 */
class SimpleConnectionPoolOnPostgresTest {
  private static final Executor DIRECT = Runnable::run;
  private static EmbeddedPostgres pg;

  @BeforeAll
  static void start() throws Exception {
    pg = EmbeddedPostgres.builder().start();
    try (Connection c = pg.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA other");
    }
  }

  @AfterAll
  static void stop() throws Exception {
    pg.close();
  }

  @Test
  void whatABorrowerChangedIsResetForTheNext() throws Exception {
    try (SimpleConnectionPool pool = SimpleConnectionPool.of(pg.getPostgresDatabase(), 1)) {
      Connection physical;
      int isolation;
      String catalog;
      try (Connection first = pool.getConnection()) {
        physical = first.unwrap(Connection.class);
        isolation = first.getTransactionIsolation();
        catalog = first.getCatalog();
        first.setAutoCommit(false);
        first.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
        first.setReadOnly(true);
        first.setSchema("other");
        first.setCatalog("elsewhere"); // ignored by PostgreSQL's driver, reset all the same
        first.setNetworkTimeout(DIRECT, 12_345);
        try (Statement s = first.createStatement()) {
          s.execute("SELECT 1"); // the transaction is open when the connection is returned
        }
      }
      try (Connection next = pool.getConnection()) {
        assertSame(physical, next.unwrap(Connection.class), "the same physical connection");
        assertEquals(true, next.getAutoCommit());
        assertEquals(isolation, next.getTransactionIsolation());
        assertFalse(next.isReadOnly());
        assertEquals("public", next.getSchema());
        assertEquals(catalog, next.getCatalog());
        assertEquals(0, next.getNetworkTimeout());
        assertNull(next.getWarnings());
        try (Statement s = next.createStatement()) {
          s.execute("CREATE TABLE written (id int)"); // not read-only
          s.execute("DROP TABLE written");
        }
      }
    }
  }
}
