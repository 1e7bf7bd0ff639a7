package dev.hookline.bench;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.Semaphore;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A minimal connection pool for the load harness (production users pass HikariCP or their
 * container's pool): at most {@code max} physical connections, reused; a connection that broke
 * (closed by the driver after an I/O error) is dropped on return rather than reused, so the pool
 * heals after a database restart. Thread-safe.
 */
final class BenchPool implements DataSource, AutoCloseable {
  /** Opens a physical connection. */
  @FunctionalInterface
  interface Opener {
    Connection open() throws SQLException;
  }

  private final Opener target;
  private final Semaphore permits;
  private final LinkedBlockingDeque<Connection> idle = new LinkedBlockingDeque<>();
  private final List<Connection> all = new ArrayList<>();
  private volatile boolean closed;

  BenchPool(DataSource target, int max) {
    this(target::getConnection, max);
  }

  private BenchPool(Opener target, int max) {
    this.target = target;
    this.permits = new Semaphore(max);
  }

  /** A pool over the driver, for a server the tests start themselves. */
  static BenchPool forPort(int port, int max) {
    String url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres&connectTimeout=5";
    return new BenchPool(() -> DriverManager.getConnection(url), max);
  }

  @Override
  public Connection getConnection() throws SQLException {
    if (closed) {
      throw new SQLException("pool closed", "08003");
    }
    try {
      permits.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLException("interrupted waiting for a connection", "08001", e);
    }
    try {
      Connection physical = idle.pollFirst();
      if (physical == null) {
        physical = target.open();
        synchronized (all) {
          all.add(physical);
        }
      }
      return wrap(physical);
    } catch (SQLException | RuntimeException e) {
      permits.release();
      throw e;
    }
  }

  private Connection wrap(Connection physical) {
    boolean[] returned = {false};
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              if (method.getName().equals("close")) {
                synchronized (returned) {
                  if (!returned[0]) {
                    returned[0] = true;
                    giveBack(physical);
                  }
                }
                return null;
              }
              if (method.getName().equals("isClosed")) {
                return returned[0] || physical.isClosed();
              }
              return invoke(physical, method, args);
            });
  }

  private static @Nullable Object invoke(
      Connection physical, Method method, @Nullable Object[] args) throws Throwable {
    try {
      return method.invoke(physical, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private void giveBack(Connection physical) {
    try {
      if (!closed && !physical.isClosed()) {
        if (!physical.getAutoCommit()) {
          physical.rollback();
          physical.setAutoCommit(true);
        }
        idle.addFirst(physical);
        return;
      }
      physical.close();
    } catch (SQLException e) {
      closeQuietly(physical);
    } finally {
      permits.release();
    }
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException ignored) {
      // already broken
    }
  }

  /** Closes every physical connection this pool opened. */
  @Override
  public void close() {
    closed = true;
    synchronized (all) {
      all.forEach(BenchPool::closeQuietly);
    }
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    throw new SQLFeatureNotSupportedException("the test pool has fixed credentials");
  }

  @Override
  public PrintWriter getLogWriter() {
    return new PrintWriter(System.err, true, java.nio.charset.StandardCharsets.UTF_8);
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
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    throw new SQLException("not a wrapper");
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return false;
  }
}
