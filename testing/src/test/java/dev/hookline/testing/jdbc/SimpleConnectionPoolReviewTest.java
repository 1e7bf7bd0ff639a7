package dev.hookline.testing.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.testing.Poll;
import java.io.PrintWriter;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** What the eleventh review round found in {@link SimpleConnectionPool}. */
class SimpleConnectionPoolReviewTest {
  /** A statement that only knows whether it was closed. */
  private static final class FakeStatement {
    volatile boolean closed;

    Object proxy(Class<?> type) {
      return Proxy.newProxyInstance(
          type.getClassLoader(),
          new Class<?>[] {type},
          (proxy, method, args) ->
              switch (method.getName()) {
                case "close" -> {
                  closed = true;
                  yield null;
                }
                case "isClosed" -> closed;
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                case "toString" -> "statement";
                default -> {
                  if (closed) {
                    throw new SQLException("statement closed");
                  }
                  yield method.getReturnType() == boolean.class ? Boolean.FALSE : null;
                }
              });
    }
  }

  /** A data source of fake connections that hand out fake statements, counting what it opened. */
  private static final class Db implements DataSource {
    final List<FakeStatement> statements = new CopyOnWriteArrayList<>();
    final AtomicInteger opened = new AtomicInteger();

    @Override
    public Connection getConnection() {
      opened.incrementAndGet();
      AtomicReference<Boolean> closed = new AtomicReference<>(false);
      return (Connection)
          Proxy.newProxyInstance(
              Connection.class.getClassLoader(),
              new Class<?>[] {Connection.class},
              (proxy, method, args) ->
                  switch (method.getName()) {
                    case "close" -> {
                      closed.set(true);
                      yield null;
                    }
                    case "isClosed" -> closed.get();
                    case "getAutoCommit" -> true;
                    case "createStatement" -> statement(Statement.class);
                    case "prepareStatement" -> statement(PreparedStatement.class);
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "physical";
                    default -> null;
                  });
    }

    private Object statement(Class<?> type) {
      FakeStatement s = new FakeStatement();
      statements.add(s);
      return s.proxy(type);
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

  private final Db db = new Db();

  @Test
  void closingThePoolFailsABorrowerWaitingForAConnectionAtOnce() throws Exception {
    SimpleConnectionPool pool = SimpleConnectionPool.of(db, 1);
    pool.getConnection(); // the only one, never returned: the waiter would wait its 30 s
    AtomicReference<Thread> waiter = new AtomicReference<>();
    CompletableFuture<Connection> waiting =
        CompletableFuture.supplyAsync(
            () -> {
              waiter.set(Thread.currentThread());
              try {
                return pool.getConnection();
              } catch (SQLException e) {
                throw new IllegalStateException(e);
              }
            });
    Poll.until(
        Duration.ofSeconds(10),
        () -> waiter.get() != null && waiter.get().getState() == Thread.State.TIMED_WAITING,
        "the second borrower waits for a connection");

    pool.close();

    Poll.until(Duration.ofSeconds(5), waiting::isDone, "the waiting borrower gives up");
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> waiting.get(1, TimeUnit.SECONDS));
    SQLException cause = (SQLException) e.getCause().getCause();
    assertEquals("08003", cause.getSQLState(), cause.getMessage());
    assertEquals(1, db.opened.get(), "no connection is opened for a closed pool");
  }

  @Test
  void statementsOpenedThroughAReturnedHandleAreClosedWithIt() throws Exception {
    try (SimpleConnectionPool pool = SimpleConnectionPool.of(db, 1)) {
      Connection first = pool.getConnection();
      Statement kept = first.createStatement();
      PreparedStatement keptPrepared = first.prepareStatement("select 1");
      first.close();
      assertTrue(
          db.statements.stream().allMatch(s -> s.closed),
          "a statement kept past close() would run on the connection the next borrower gets");
      assertThrows(SQLException.class, () -> kept.execute("select 1"));
      assertThrows(SQLException.class, keptPrepared::execute);

      try (Connection second = pool.getConnection();
          Statement s = second.createStatement()) {
        s.execute("select 1"); // the next borrower's own statements work
      }
    }
  }
}
