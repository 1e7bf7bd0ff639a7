package dev.hookline.testing.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

class SimpleConnectionPoolTest {
  /** A physical connection: only the state the pool looks at; the tests use it from one thread. */
  private static final class Physical {
    boolean closed;
    boolean autoCommit = true;
    int rollbacks;
    int uses;

    Connection connection() {
      return (Connection)
          Proxy.newProxyInstance(
              Connection.class.getClassLoader(),
              new Class<?>[] {Connection.class},
              (proxy, method, args) -> {
                switch (method.getName()) {
                  case "close" -> closed = true;
                  case "setAutoCommit" -> autoCommit = (Boolean) args[0];
                  case "rollback" -> rollbacks++;
                  case "clearWarnings" -> {} // the pool's own reset on return
                  case "isClosed" -> {
                    return closed;
                  }
                  case "getAutoCommit" -> {
                    return autoCommit;
                  }
                  case "toString" -> {
                    return "physical";
                  }
                  case "hashCode" -> {
                    return System.identityHashCode(proxy);
                  }
                  case "equals" -> {
                    return proxy == args[0];
                  }
                  default -> {
                    if (closed) {
                      throw new SQLException("closed", "08003");
                    }
                    uses++;
                  }
                }
                return null;
              });
    }
  }

  /** A non-pooling data source that remembers every connection it opened. */
  private static final class Opener implements DataSource {
    final List<Physical> opened = new CopyOnWriteArrayList<>();

    @Override
    public Connection getConnection() {
      Physical p = new Physical();
      opened.add(p);
      return p.connection();
    }

    @Override
    public Connection getConnection(String user, String password) {
      throw new UnsupportedOperationException();
    }

    @Override
    public PrintWriter getLogWriter() {
      throw new UnsupportedOperationException();
    }

    @Override
    public void setLogWriter(PrintWriter out) {}

    @Override
    public void setLoginTimeout(int seconds) {}

    @Override
    public int getLoginTimeout() {
      return 0;
    }

    @Override
    public Logger getParentLogger() {
      throw new UnsupportedOperationException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
      return false;
    }
  }

  private final Opener db = new Opener();

  @Test
  void connectionsAreReusedAndNeverMoreThanMaxAreOpen() throws Exception {
    try (SimpleConnectionPool pool = SimpleConnectionPool.of(db, 2)) {
      pool.setLoginTimeout(1);
      Connection a = pool.getConnection();
      Connection b = pool.getConnection();
      assertEquals(2, db.opened.size());
      SQLException full = assertThrows(SQLTransientConnectionException.class, pool::getConnection);
      assertTrue(full.getMessage().contains("all 2 are borrowed"), full.getMessage());
      assertEquals("08001", full.getSQLState());

      a.close();
      a.close(); // twice is once
      try (Connection c = pool.getConnection()) {
        c.createStatement();
      }
      b.close();
      assertEquals(2, db.opened.size(), "reused, not reopened");
    }
  }

  @Test
  void aReturnedHandleCannotReachTheConnectionAgain() throws Exception {
    try (SimpleConnectionPool pool = SimpleConnectionPool.of(db, 1)) {
      Connection first = pool.getConnection();
      first.close();
      assertTrue(first.isClosed());
      SQLException e = assertThrows(SQLException.class, first::createStatement);
      assertEquals("08003", e.getSQLState());

      try (Connection second = pool.getConnection()) {
        assertFalse(second.isClosed());
        assertNotEquals(first, second);
        second.createStatement();
      }
      assertEquals(1, db.opened.size());
      assertEquals(1, db.opened.get(0).uses, "only the current borrower's call reached it");
    }
  }

  @Test
  void aTransactionLeftOpenIsRolledBackOnReturn() throws Exception {
    try (SimpleConnectionPool pool = SimpleConnectionPool.of(db, 1)) {
      try (Connection c = pool.getConnection()) {
        c.setAutoCommit(false);
      }
      Physical p = db.opened.get(0);
      assertEquals(1, p.rollbacks);
      assertTrue(p.autoCommit);
    }
  }

  @Test
  void aBrokenConnectionIsDroppedAndReplaced() throws Exception {
    try (SimpleConnectionPool pool = SimpleConnectionPool.of(db, 1)) {
      try (Connection c = pool.getConnection()) {
        db.opened.get(0).closed = true; // the driver gave up on it, e.g. the server restarted
        assertTrue(c.isClosed());
      }
      try (Connection c = pool.getConnection()) {
        assertFalse(c.isClosed());
      }
      assertEquals(2, db.opened.size());
    }
  }

  @Test
  void closingClosesBorrowedAndIdleConnections() throws Exception {
    SimpleConnectionPool pool = SimpleConnectionPool.of(db, 2);
    Connection borrowed = pool.getConnection();
    pool.getConnection().close();
    pool.close();
    assertTrue(db.opened.stream().allMatch(p -> p.closed));
    assertTrue(borrowed.isClosed());
    borrowed.close(); // returning after the pool closed is harmless
    SQLException e = assertThrows(SQLException.class, pool::getConnection);
    assertEquals("08003", e.getSQLState());
  }

  @Test
  void itIsItsOwnWrapperOnly() throws Exception {
    try (SimpleConnectionPool pool = SimpleConnectionPool.of(db, 1)) {
      assertSame(pool, pool.unwrap(DataSource.class));
      assertFalse(pool.isWrapperFor(Connection.class));
      assertThrows(SQLException.class, () -> pool.unwrap(Connection.class));
      assertThrows(IllegalArgumentException.class, () -> SimpleConnectionPool.of(db, 0));
    }
  }
}
