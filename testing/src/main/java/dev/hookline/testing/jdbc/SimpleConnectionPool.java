package dev.hookline.testing.jdbc;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A minimal JDBC connection pool for tests and benchmarks that run a store (such as {@code
 * PostgresStore}) against a real database: at most {@code maxConnections} physical connections,
 * opened on demand and reused.
 *
 * <p>It is not a production pool: it has no validation query, no idle eviction, no connection
 * lifetime and no metrics. Applications pass HikariCP or their container's pool. What it does do,
 * because tests need it:
 *
 * <ul>
 *   <li>A connection the driver closed (after an I/O error, for example because the database
 *       restarted) is dropped when it is returned rather than handed out again, so the pool heals
 *       by itself once the database is back: each broken connection fails once.
 *   <li>A connection returned with auto-commit off is rolled back and set back to auto-commit. What
 *       the borrower changed through JDBC setters (transaction isolation, read-only, catalog,
 *       schema, network timeout) is set back to what it was when it borrowed the connection, and
 *       warnings are cleared, as HikariCP does; a connection that fails this reset is closed, not
 *       reused. Session state changed with SQL ({@code SET ...}) is not reset.
 *   <li>{@link Connection#close()} on a borrowed connection returns it and closes the statements
 *       opened through it; any later use of that handle or of those statements fails, so a test
 *       cannot reach a connection another thread has since borrowed. (A statement's {@code
 *       getConnection()} answers the driver's connection, not the handle: a borrower that closes
 *       that one has it dropped on return.)
 *   <li>A borrower waits for a free connection at most {@link #getLoginTimeout()} seconds (30
 *       unless set), then gets an {@link SQLTransientConnectionException}: a leak fails the test
 *       instead of hanging it.
 *   <li>{@link #close()} closes every physical connection, including borrowed ones, which is how
 *       tests simulate an application instance that crashed.
 * </ul>
 *
 * <p>Thread-safe: any number of threads may borrow and return connections concurrently. Each
 * borrowed {@link Connection} is, as usual in JDBC, for one thread at a time.
 */
public final class SimpleConnectionPool implements DataSource, AutoCloseable {
  private static final int DEFAULT_WAIT_SECONDS = 30;
  private static final Executor DIRECT = Runnable::run;

  /**
   * The permits {@link #close()} adds once, so that every borrower waiting for a connection wakes
   * and fails at once; far from overflow, even with every borrowed connection given back later.
   */
  private static final int WAKE_ALL = Integer.MAX_VALUE / 2;

  /** Opens a physical connection. */
  @FunctionalInterface
  private interface Opener {
    Connection open() throws SQLException;
  }

  private final Opener target;
  private final int maxConnections;
  private final Semaphore permits;
  private final LinkedBlockingDeque<Connection> idle = new LinkedBlockingDeque<>();
  private final Set<Connection> open = // guarded by itself
      Collections.newSetFromMap(new IdentityHashMap<>());
  private volatile boolean closed;
  private volatile int waitSeconds = DEFAULT_WAIT_SECONDS;
  private volatile @Nullable PrintWriter logWriter;

  private SimpleConnectionPool(Opener target, int maxConnections) {
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be at least 1: " + maxConnections);
    }
    this.target = target;
    this.maxConnections = maxConnections;
    this.permits = new Semaphore(maxConnections, true);
  }

  /**
   * A pool over connections from another, usually non-pooling, data source (such as an embedded
   * database's).
   *
   * @param target where physical connections come from
   * @param maxConnections the most physical connections open at once; at least 1
   * @return the pool
   */
  public static SimpleConnectionPool of(DataSource target, int maxConnections) {
    Objects.requireNonNull(target, "target");
    return new SimpleConnectionPool(target::getConnection, maxConnections);
  }

  /**
   * A pool over {@link DriverManager} connections to a JDBC URL, for a server the test starts
   * itself (possibly more than once, on a fixed port). The driver must be on the class path.
   *
   * @param jdbcUrl the URL, with any credentials in it
   * @param maxConnections the most physical connections open at once; at least 1
   * @return the pool
   */
  public static SimpleConnectionPool forUrl(String jdbcUrl, int maxConnections) {
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    return new SimpleConnectionPool(() -> DriverManager.getConnection(jdbcUrl), maxConnections);
  }

  /**
   * Borrows a connection: an idle one, or a new one if fewer than {@code maxConnections} are open,
   * else the next one returned. Closing it returns it to the pool.
   *
   * @throws SQLException if the pool is closed, also while waiting (SQLState 08003), if none was
   *     free within {@link #getLoginTimeout()} seconds (an {@link SQLTransientConnectionException},
   *     SQLState 08001), if interrupted, or as the driver fails to open a connection
   */
  @Override
  public Connection getConnection() throws SQLException {
    if (closed) {
      throw new SQLException("pool closed", "08003");
    }
    try {
      if (!permits.tryAcquire(waitSeconds, TimeUnit.SECONDS)) {
        throw new SQLTransientConnectionException(
            "no connection free within "
                + waitSeconds
                + " s: all "
                + maxConnections
                + " are borrowed (a leak, or a pool too small for the test)",
            "08001");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLException("interrupted waiting for a connection", "08001", e);
    }
    try {
      if (closed) { // closed while this borrower waited: close() woke it
        throw new SQLException("pool closed", "08003");
      }
      Connection physical = idle.pollFirst();
      if (physical == null) {
        physical = target.open();
        synchronized (open) {
          if (closed) {
            closeQuietly(physical);
            throw new SQLException("pool closed", "08003");
          }
          open.add(physical);
        }
      }
      return borrowed(physical);
    } catch (SQLException | RuntimeException e) {
      permits.release();
      throw e;
    }
  }

  /** A handle on a physical connection whose {@code close()} returns it to the pool. */
  private Connection borrowed(Connection physical) {
    AtomicBoolean returned = new AtomicBoolean();
    Changes changes = new Changes();
    Statements statements = new Statements();
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              return switch (method.getName()) {
                case "close" -> {
                  if (returned.compareAndSet(false, true)) {
                    statements.closeAll();
                    giveBack(physical, changes);
                  }
                  yield null;
                }
                case "isClosed" -> returned.get() || physical.isClosed();
                case "equals" -> args != null && proxy == args[0];
                case "hashCode" -> System.identityHashCode(proxy);
                case "toString" -> "pooled " + physical + (returned.get() ? " (returned)" : "");
                default -> {
                  if (returned.get()) {
                    throw new SQLException(
                        "connection already returned to the pool: " + method.getName(), "08003");
                  }
                  changes.beforeCall(physical, method.getName());
                  yield statements.track(invoke(physical, method, args));
                }
              };
            });
  }

  /**
   * The statements one borrower opened through its handle, closed when it returns the connection
   * (as HikariCP does): a statement kept past {@code close()} would otherwise run on the physical
   * connection the next borrower has. Used by the borrowing thread, then by the one returning it.
   */
  private static final class Statements {
    /** Past this many, the ones the borrower closed itself are dropped before another is added. */
    private static final int PRUNE_AT = 64;

    private final List<Statement> open = new ArrayList<>();

    /** Remembers {@code result} if it is a statement; returns it. */
    @Nullable Object track(@Nullable Object result) {
      if (result instanceof Statement statement) {
        if (open.size() >= PRUNE_AT) {
          open.removeIf(Statements::closed);
        }
        open.add(statement);
      }
      return result;
    }

    void closeAll() {
      for (Statement statement : open) {
        try {
          statement.close();
        } catch (SQLException | RuntimeException ignored) {
          // the connection is reset or dropped next
        }
      }
      open.clear();
    }

    private static boolean closed(Statement statement) {
      try {
        return statement.isClosed();
      } catch (SQLException | RuntimeException e) {
        return false; // kept, and closed again on return, quietly
      }
    }
  }

  private static @Nullable Object invoke(
      Connection physical, Method method, @Nullable Object[] args) throws Throwable {
    try {
      return method.invoke(physical, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private void giveBack(Connection physical, Changes changes) {
    try {
      if (!closed && !physical.isClosed()) {
        if (!physical.getAutoCommit()) {
          physical.rollback();
          physical.setAutoCommit(true);
        }
        // After the rollback: drivers refuse to change isolation or read-only in a transaction.
        changes.restore(physical);
        physical.clearWarnings();
        idle.addFirst(physical);
        return;
      }
      discard(physical);
    } catch (SQLException | RuntimeException e) {
      discard(physical); // broken while being reset: not reused
    } finally {
      permits.release();
    }
  }

  /**
   * The session state one borrower changed through JDBC setters, each with the value it had before
   * the first change, so that the next borrower gets the connection as this one got it (HikariCP's
   * "dirty bits"). Read only when a setter is called, so an unchanged connection costs no round
   * trip. Used by the borrowing thread, then by the one returning it, as the handle is.
   */
  private static final class Changes {
    private boolean isolationChanged;
    private int isolation;
    private boolean readOnlyChanged;
    private boolean readOnly;
    private boolean catalogChanged;
    private @Nullable String catalog;
    private boolean schemaChanged;
    private @Nullable String schema;
    private boolean networkTimeoutChanged;
    private int networkTimeout;

    void beforeCall(Connection physical, String method) throws SQLException {
      switch (method) {
        case "setTransactionIsolation" -> {
          if (!isolationChanged) {
            isolation = physical.getTransactionIsolation();
            isolationChanged = true;
          }
        }
        case "setReadOnly" -> {
          if (!readOnlyChanged) {
            readOnly = physical.isReadOnly();
            readOnlyChanged = true;
          }
        }
        case "setCatalog" -> {
          if (!catalogChanged) {
            catalog = physical.getCatalog();
            catalogChanged = true;
          }
        }
        case "setSchema" -> {
          if (!schemaChanged) {
            schema = physical.getSchema();
            schemaChanged = true;
          }
        }
        case "setNetworkTimeout" -> {
          if (!networkTimeoutChanged) {
            networkTimeout = physical.getNetworkTimeout();
            networkTimeoutChanged = true;
          }
        }
        default -> {}
      }
    }

    void restore(Connection physical) throws SQLException {
      if (isolationChanged) {
        physical.setTransactionIsolation(isolation);
      }
      if (readOnlyChanged) {
        physical.setReadOnly(readOnly);
      }
      if (catalogChanged) {
        physical.setCatalog(catalog);
      }
      if (schemaChanged) {
        physical.setSchema(schema);
      }
      if (networkTimeoutChanged) {
        physical.setNetworkTimeout(DIRECT, networkTimeout);
      }
    }
  }

  private void discard(Connection physical) {
    synchronized (open) {
      open.remove(physical);
    }
    closeQuietly(physical);
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException | RuntimeException ignored) {
      // already broken
    }
  }

  /**
   * Closes every physical connection this pool opened, borrowed ones included; later {@link
   * #getConnection()} calls fail, and so do those waiting for a free connection, at once.
   * Idempotent.
   */
  @Override
  public void close() {
    synchronized (open) {
      if (!closed) {
        closed = true;
        permits.release(WAKE_ALL);
      }
      open.forEach(SimpleConnectionPool::closeQuietly);
      open.clear();
    }
    idle.clear();
  }

  /**
   * Not supported: the pool's connections all use the credentials it was created with.
   *
   * @throws SQLFeatureNotSupportedException always
   */
  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    throw new SQLFeatureNotSupportedException("the pool has fixed credentials");
  }

  /** Returns the writer set with {@link #setLogWriter}, unused by the pool; initially null. */
  @Override
  public @Nullable PrintWriter getLogWriter() {
    return logWriter;
  }

  @Override
  public void setLogWriter(@Nullable PrintWriter out) {
    this.logWriter = out;
  }

  /**
   * Sets how long {@link #getConnection()} waits for a free connection.
   *
   * @param seconds the bound in seconds; 0 restores the default of 30
   */
  @Override
  public void setLoginTimeout(int seconds) {
    if (seconds < 0) {
      throw new IllegalArgumentException("seconds must not be negative: " + seconds);
    }
    this.waitSeconds = seconds == 0 ? DEFAULT_WAIT_SECONDS : seconds;
  }

  /** Returns how many seconds {@link #getConnection()} waits for a free connection. */
  @Override
  public int getLoginTimeout() {
    return waitSeconds;
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException("the pool does not log");
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    throw new SQLException("not a wrapper for " + iface.getName());
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return iface.isInstance(this);
  }

  @Override
  public String toString() {
    return "SimpleConnectionPool[max " + maxConnections + (closed ? ", closed]" : "]");
  }
}
