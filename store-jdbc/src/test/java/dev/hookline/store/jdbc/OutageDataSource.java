package dev.hookline.store.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * A pool in front of a database that can go away on demand, as a pool sees an outage: while down,
 * every borrow waits for the pool's connection timeout (the database does not answer: a network
 * partition, a failover) and then fails as a pool does ({@link SQLTransientConnectionException},
 * SQLState 08001). A wait of zero fails at once (connection refused). Coming back up ends the waits
 * in progress at once. Connections borrowed before the outage are left alone.
 *
 * <p>Thread-safe.
 */
final class OutageDataSource extends ForwardingDataSource {
  private volatile long waitMillis = -1; // -1: up
  private volatile CountDownLatch back = new CountDownLatch(1);
  final AtomicInteger refused = new AtomicInteger();

  OutageDataSource(DataSource delegate) {
    super(delegate);
  }

  /** The database goes away: borrows wait {@code millis} each, then fail. */
  synchronized void down(long millis) {
    back = new CountDownLatch(1);
    waitMillis = millis;
  }

  /** The database is back. */
  synchronized void up() {
    waitMillis = -1;
    back.countDown();
  }

  @Override
  public Connection getConnection() throws SQLException {
    long wait = waitMillis;
    if (wait >= 0) {
      CountDownLatch latch = back;
      try {
        // Stands for the pool's connection timeout, which a test cannot drive.
        if (wait == 0 || !latch.await(wait, TimeUnit.MILLISECONDS)) {
          refused.incrementAndGet();
          throw new SQLTransientConnectionException(
              "Connection is not available, request timed out after " + wait + "ms", "08001");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SQLTransientConnectionException("interrupted while waiting", "08001", e);
      }
    }
    return delegate.getConnection();
  }
}
