package dev.hookline.testing.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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

  /** The class's thread-safety claim: borrowers on many threads never share a connection. */
  @Test
  void concurrentBorrowersNeverShareAConnectionNorOpenMoreThanTheMaximum() throws Exception {
    int threads = 8;
    Set<Integer> inUse = ConcurrentHashMap.newKeySet();
    Set<Integer> seen = ConcurrentHashMap.newKeySet();
    ExecutorService workers = Executors.newFixedThreadPool(threads);
    try (SimpleConnectionPool pool = SimpleConnectionPool.of(pg.getPostgresDatabase(), 3)) {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(
            workers.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < 50; i++) {
                    try (Connection c = pool.getConnection();
                        Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
                      rs.next();
                      int backend = rs.getInt(1);
                      assertTrue(inUse.add(backend), "two borrowers on backend " + backend);
                      seen.add(backend);
                      inUse.remove(backend);
                    }
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      workers.shutdownNow();
    }
    assertTrue(seen.size() <= 3, "backends used: " + seen);
  }
}
