package dev.hookline.store.jdbc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A pool's DataSource, through a {@link BlackHoleRelay}, whose connections can make the database
 * stop answering just as a chosen statement is sent: the relay then swallows that statement and
 * everything after it on every connection it has, without closing any. Its connections may also
 * refuse network timeouts, as some pools' wrappers do.
 *
 * <p>Thread-safe.
 */
final class StallingDataSource extends ForwardingDataSource {
  private final BlackHoleRelay relay;
  private final boolean networkTimeouts;
  private final AtomicInteger borrows = new AtomicInteger();
  private final AtomicInteger checks = new AtomicInteger();
  private volatile String stallOn = "";
  private final AtomicInteger stallsLeft = new AtomicInteger();

  /**
   * @param pool the pool, whose connections go through {@code relay}
   * @param relay the relay
   * @param networkTimeouts whether the connections support {@link Connection#setNetworkTimeout}
   */
  StallingDataSource(DataSource pool, BlackHoleRelay relay, boolean networkTimeouts) {
    super(pool);
    this.relay = relay;
    this.networkTimeouts = networkTimeouts;
  }

  /** The next {@code times} statements that start with {@code prefix} get no answer. */
  void stall(String prefix, int times) {
    stallOn = prefix;
    stallsLeft.set(times);
  }

  /** How many connections were borrowed. */
  int borrows() {
    return borrows.get();
  }

  /** How many {@code SELECT 1} (the feed's health check) were sent. */
  int checks() {
    return checks.get();
  }

  @Override
  public Connection getConnection() throws SQLException {
    Connection c = delegate.getConnection();
    borrows.incrementAndGet();
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              if (method.getName().endsWith("NetworkTimeout") && !networkTimeouts) {
                throw new SQLFeatureNotSupportedException("not by this wrapper");
              }
              Object result = invoke(c, method, args);
              return result instanceof Statement s && method.getName().equals("createStatement")
                  ? stalling(s)
                  : result;
            });
  }

  private Statement stalling(Statement s) {
    return (Statement)
        Proxy.newProxyInstance(
            Statement.class.getClassLoader(),
            new Class<?>[] {Statement.class},
            (proxy, method, args) -> {
              if (method.getName().startsWith("execute")
                  && args != null
                  && args[0] instanceof String sql) {
                if (sql.equals("SELECT 1")) {
                  checks.incrementAndGet();
                }
                if (!stallOn.isEmpty()
                    && sql.startsWith(stallOn)
                    && stallsLeft.getAndDecrement() > 0) {
                  relay.blackHoleExisting();
                }
              }
              return invoke(s, method, args);
            });
  }

  private static @Nullable Object invoke(Object target, Method method, @Nullable Object[] args)
      throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
