package dev.hookline.store.jdbc.internal;

import dev.hookline.spi.Store;
import dev.hookline.spi.WebhookWatcher;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Webhook changes over PostgreSQL's {@code LISTEN}/{@code NOTIFY}. Every webhook insert, update and
 * delete sends {@code pg_notify(channel, id)} in the writing transaction, so the notification goes
 * out exactly when the change commits. A watch holds one connection of the caller's pool in {@code
 * LISTEN} on a daemon thread and passes each id to the watcher; whenever it (re)connects it asks
 * the watcher to resync, since changes may have been missed meanwhile. It backs off from 1 s to 30
 * s while the database is unreachable. Every round trip on the listening connection ({@code
 * LISTEN}, the health check, {@code UNLISTEN}) waits at most the check timeout for its answer.
 *
 * <p>A watcher that throws does not end the feed: it keeps listening and asks the watcher to resync
 * (which may have missed the change it failed on), retrying a resync that throws from 1 s to 30 s.
 *
 * <p>The notification API is pgjdbc's ({@code PGConnection.getNotifications(int)}), reached by
 * reflection through {@link Connection#unwrap} so that the store keeps compiling against {@code
 * java.sql} only. A pool whose connections do not unwrap to pgjdbc's gives no feed: the watch says
 * so once and callers rely on their periodic reload.
 *
 * <p>Thread-safe.
 */
public final class WebhookChangeFeed implements Store.Watch {
  private static final Logger log = LoggerFactory.getLogger(WebhookChangeFeed.class);
  private static final int WAIT_MILLIS = 250;
  private static final long MIN_BACKOFF_MILLIS = 1_000;
  private static final long MAX_BACKOFF_MILLIS = 30_000;

  /**
   * A watcher failure within this long of the last one is part of the same episode: longer than the
   * longest wait between two resyncs, so that a watcher that keeps failing is one episode.
   */
  private static final long WATCHER_EPISODE_NANOS =
      TimeUnit.MILLISECONDS.toNanos(2 * MAX_BACKOFF_MILLIS);

  /** How often an idle listening connection is checked: reads alone never notice a dead one. */
  static final Duration HEALTH_CHECK = Duration.ofSeconds(30);

  /** How long the check waits for the database's answer before the connection counts as lost. */
  static final Duration CHECK_TIMEOUT = Duration.ofSeconds(10);

  private final DataSource dataSource;
  private final String channel;
  private final WebhookWatcher watcher;
  private final CountDownLatch closed = new CountDownLatch(1);

  /**
   * Held by the feed's thread while it calls the watcher, which it does only while not closed; held
   * by {@link #close} once closed, so that no call runs after {@code close()} returns.
   */
  private final ReentrantLock calling = new ReentrantLock();

  private final Thread thread;
  private final long healthCheckNanos;
  private final int checkTimeoutMillis;

  /** Whether the feed was lost (and said so) since it last listened; the feed's thread only. */
  private boolean lost;

  /** Whether the current connection got as far as listening; the feed's thread only. */
  private boolean listened;

  /** Whether the watcher is owed a resync; the feed's thread only. */
  private boolean resyncDue;

  /** When the resync owed is due ({@link System#nanoTime}); the feed's thread only. */
  private long resyncAt;

  /** The wait before the next resync after the watcher threw; the feed's thread only. */
  private long watcherBackoffMillis = MIN_BACKOFF_MILLIS;

  /**
   * When the watcher last threw ({@link System#nanoTime}), if it ever did; the feed's thread only.
   */
  private @Nullable Long watcherFailedAt;

  private WebhookChangeFeed(
      DataSource dataSource,
      String channel,
      WebhookWatcher watcher,
      Duration healthCheck,
      Duration checkTimeout) {
    this.dataSource = dataSource;
    this.channel = channel;
    this.watcher = watcher;
    this.healthCheckNanos = healthCheck.toNanos();
    this.checkTimeoutMillis = Math.toIntExact(checkTimeout.toMillis());
    this.thread = new Thread(this::run, "hookline-webhook-changes");
    this.thread.setDaemon(true);
  }

  /**
   * Starts watching.
   *
   * @param dataSource the pool to borrow the listening connection from
   * @param channel the channel, from {@link #channel}
   * @param watcher what to tell
   * @return the running watch
   */
  public static WebhookChangeFeed start(
      DataSource dataSource, String channel, WebhookWatcher watcher) {
    return start(dataSource, channel, watcher, HEALTH_CHECK, CHECK_TIMEOUT);
  }

  /**
   * Starts watching, checking the listening connection at the given interval: a connection that
   * died without a reset (a failover moving an address, a firewall or NAT dropping an idle flow)
   * never fails a read, so only a round trip that gets no answer within {@code checkTimeout} shows
   * it.
   *
   * @param dataSource the pool to borrow the listening connection from
   * @param channel the channel, from {@link #channel}
   * @param watcher what to tell
   * @param healthCheck how often to check the connection
   * @param checkTimeout how long a check may wait for its answer
   * @return the running watch
   */
  public static WebhookChangeFeed start(
      DataSource dataSource,
      String channel,
      WebhookWatcher watcher,
      Duration healthCheck,
      Duration checkTimeout) {
    WebhookChangeFeed feed =
        new WebhookChangeFeed(dataSource, channel, watcher, healthCheck, checkTimeout);
    feed.thread.start();
    return feed;
  }

  /**
   * The channel for a schema: one per schema, so stores in other schemas of the same database do
   * not hear each other. At most 63 bytes (PostgreSQL's identifier limit).
   *
   * @param schema the schema name
   * @return the channel name
   */
  public static String channel(String schema) {
    String name = "hookline_webhooks_" + schema;
    if (name.getBytes(StandardCharsets.UTF_8).length <= 63) {
      return name;
    }
    // A longer name (a schema over 45 bytes) is hashed, so two schemas may share a channel: two
    // long names with equal String hashes (a 1 in 2^32 chance for a pair, unless made on purpose),
    // or a long one whose hash reads as a short one's name ("cafe1234"). That is harmless: both
    // feeds listen on the shared channel, so neither misses its own changes, and neither resyncs
    // because of the other. Each also hears the other's: a webhook id its watcher re-reads and does
    // not find (as one created and deleted before it read it; a Dispatcher then tells its observer
    // the id was deleted), and an empty payload, a claim that finds nothing. The hash stays as it
    // is: instances of different versions then keep sharing their schema's channel.
    return "hookline_webhooks_" + Integer.toHexString(schema.hashCode());
  }

  /**
   * Sends the change notification for a webhook on the writing connection (delivered when its
   * transaction commits).
   *
   * @param c the connection that wrote the change
   * @param channel the channel
   * @param webhookId the webhook
   * @throws SQLException if the database fails
   */
  public static void notifyChange(Connection c, String channel, String webhookId)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
      ps.setString(1, channel);
      ps.setString(2, webhookId);
      ps.execute();
    }
  }

  /**
   * Sends the notification that deliveries were queued, on the connection of the transaction that
   * queued them: delivered to every listener when, and only if, it commits. Its payload is empty,
   * which no webhook id is.
   *
   * @param c the enqueuing connection
   * @param channel the channel
   * @throws SQLException if the database fails
   */
  public static void notifyDeliveriesQueued(Connection c, String channel) throws SQLException {
    notifyChange(c, channel, "");
  }

  /**
   * Stops the feed. It waits up to 5 s in all for the feed's thread to give its connection back (a
   * thread still waiting for a connection, or for the database's answer (at most the check
   * timeout), then gives it back when it gets it), and for a call to the watcher in progress to
   * end: no call starts once this returns, and one in progress has ended unless it outlasted the
   * wait (it may wait for something the closing thread holds: a Dispatcher closed by its observer
   * during a reload, while the feed's resync waits for that reload). Called from the watcher, on
   * the feed's thread, it waits for nothing.
   */
  @Override
  public void close() {
    closed.countDown();
    if (Thread.currentThread() == thread) {
      return; // from the watcher's call: the thread ends once that call returns
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
      // Once this lock is ours, any call to the watcher that started before closed was set has
      // ended. Bounded: waiting without end, a call waiting for this thread never returned.
      if (calling.tryLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        calling.unlock();
        log.debug("webhook change feed closed: channel={}", channel);
      } else {
        log.warn(
            "webhook change feed closed while a call to its watcher still runs (it may wait for"
                + " the thread that closed the feed); no further call is made: channel={}",
            channel);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Calls the watcher unless closed; a call that throws is logged and owes the watcher a resync.
   */
  private void tell(String what, Runnable call) {
    calling.lock();
    try {
      if (!isClosed()) {
        call.run();
      }
    } catch (Exception e) { // a checked one too, thrown by a watcher not written in Java
      watcherFailed(what, e);
    } finally {
      calling.unlock();
    }
  }

  /**
   * The watcher threw. The feed goes on listening (reconnecting would not mend the watcher, and
   * would miss changes meanwhile) and owes the watcher a resync, since it may have missed the
   * change it failed on: in 1 s, doubling up to 30 s while it keeps failing, so that a watcher that
   * always fails is not reloading all the time. One WARN per episode: a failure within a minute of
   * the last one belongs to the same episode and is logged at DEBUG.
   */
  private void watcherFailed(String what, Exception e) {
    long now = System.nanoTime();
    Long last = watcherFailedAt;
    watcherFailedAt = now;
    if (last == null || now - last > WATCHER_EPISODE_NANOS) {
      watcherBackoffMillis = MIN_BACKOFF_MILLIS;
      log.warn(
          "webhook watcher failed in {}; the change feed goes on and asks it to resync (further"
              + " failures within a minute of each other are logged at DEBUG): channel={}",
          what,
          channel,
          e);
    } else {
      log.debug(
          "webhook watcher failed again in {}: channel={} error={}", what, channel, e.toString());
    }
    if (!resyncDue) {
      resyncDue = true;
      resyncAt = now + TimeUnit.MILLISECONDS.toNanos(watcherBackoffMillis);
      watcherBackoffMillis = Math.min(watcherBackoffMillis * 2, MAX_BACKOFF_MILLIS);
    }
  }

  /** Asks the watcher to resync; on a failure, {@link #watcherFailed} owes it another. */
  private void resync() {
    resyncDue = false;
    tell("resync", watcher::resync);
  }

  private boolean isClosed() {
    return closed.getCount() == 0;
  }

  private void run() {
    long backoff = MIN_BACKOFF_MILLIS;
    boolean warned = false;
    while (!isClosed()) {
      try {
        if (!listen()) {
          return; // no feed with this driver: the watcher relies on reloads
        }
        return; // closed
      } catch (SQLException | RuntimeException | ReflectiveOperationException e) {
        if (isClosed()) {
          return;
        }
        if (listened) {
          // It worked until now: a new outage, reported and backed off from the start.
          listened = false;
          backoff = MIN_BACKOFF_MILLIS;
          warned = false;
        }
        if (!warned) {
          log.warn(
              "webhook change feed lost; changes by other instances arrive with the periodic"
                  + " reload until it is back: channel={} error={}",
              channel,
              String.valueOf(e));
          warned = true;
          lost = true;
        }
      }
      try {
        if (closed.await(backoff, TimeUnit.MILLISECONDS)) {
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
    }
  }

  /**
   * Listens until closed. Returns false if the connection is not pgjdbc's; throws when the
   * connection fails.
   */
  private boolean listen() throws SQLException, ReflectiveOperationException {
    try (Connection c = dataSource.getConnection()) {
      if (isClosed()) {
        return true; // closed while waiting for the connection (close() may have returned)
      }
      Notifications notifications = Notifications.of(c, dataSource, channel);
      if (notifications == null) {
        log.info(
            "webhook change feed unavailable: the pool's connections are not pgjdbc's; changes by"
                + " other instances arrive with the periodic reload");
        return false;
      }
      // Before the first round trip: the pool's connection may have no network timeout, and one
      // whose server stopped answering would hold LISTEN or UNLISTEN, and the feed, forever.
      NetworkTimeout bound = NetworkTimeout.set(c, notifications, checkTimeoutMillis);
      boolean autoCommit = c.getAutoCommit();
      // Whether the connection no longer listens (or was closed): the pool lends it to others, and
      // the driver would queue every notification of a channel still listened to on it.
      boolean released = false;
      try {
        if (!autoCommit) {
          c.setAutoCommit(true); // LISTEN takes effect when committed
        }
        // Before LISTEN: the session's last statement then shows it listening (pg_stat_activity).
        long checkEvery = checkInterval(c);
        try (Statement st = c.createStatement()) {
          st.execute("LISTEN \"" + channel.replace("\"", "\"\"") + "\"");
        }
        listened = true;
        if (lost) {
          lost = false;
          log.info("webhook change feed back: channel={}", channel);
        } else {
          log.debug("webhook change feed listening: channel={}", channel);
        }
        resync(); // whatever changed before LISTEN took effect
        long checkAt = System.nanoTime() + checkEvery;
        while (!isClosed()) {
          for (String id : notifications.next(WAIT_MILLIS)) {
            if (id.isEmpty()) {
              tell("deliveriesQueued", watcher::deliveriesQueued);
            } else {
              tell("changed", () -> watcher.changed(id));
            }
          }
          if (resyncDue && System.nanoTime() - resyncAt >= 0) {
            resync();
          }
          if (System.nanoTime() - checkAt >= 0) {
            check(c);
            checkAt = System.nanoTime() + checkEvery;
          }
        }
        try (Statement st = c.createStatement()) {
          st.execute("UNLISTEN *");
        }
        released = true;
      } catch (SQLException | ReflectiveOperationException e) {
        // The failure went past the pool's proxy (through the unwrapped driver connection), so the
        // pool cannot know the connection broke: close it, so that it is not lent out again.
        notifications.discard();
        released = true;
        throw e;
      } finally {
        if (!released) {
          // An Error (from the watcher, say): the connection works but still listens.
          unlistenOrDiscard(c, notifications);
        }
        bound.restore();
        if (!autoCommit && !c.isClosed()) {
          c.setAutoCommit(false);
        }
      }
      return true;
    }
  }

  /**
   * Stops the connection listening before it goes back to the pool; closes the physical connection
   * if even that fails. Never throws: it runs while another failure is on its way out.
   */
  private static void unlistenOrDiscard(Connection c, Notifications notifications) {
    try (Statement st = c.createStatement()) {
      st.execute("UNLISTEN *");
    } catch (SQLException | RuntimeException e) {
      notifications.discard();
    }
  }

  /**
   * How often to check the listening connection: every {@link #HEALTH_CHECK} (as given), or within
   * half the session's {@code idle_session_timeout} if that is shorter. The connection sends
   * nothing between checks, so a database that ends idle sessions (PostgreSQL 14+, often set on a
   * role to reap idle pooled connections) ended the feed's again and again: a lost feed, a reload
   * of every webhook and missed notifications each time. The check's round trip keeps the session
   * active.
   */
  private long checkInterval(Connection c) throws SQLException {
    long idleMillis;
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT (extract(epoch FROM current_setting('idle_session_timeout', true)::interval)"
                    + " * 1000)::bigint")) {
      idleMillis = rs.next() ? rs.getLong(1) : 0; // NULL (before PostgreSQL 14) reads 0
    }
    if (idleMillis <= 0) {
      return healthCheckNanos;
    }
    long half = TimeUnit.MILLISECONDS.toNanos(Math.max(idleMillis / 2, 100));
    return Math.min(healthCheckNanos, half);
  }

  /**
   * One round trip, answered within the check timeout (the connection's network timeout while the
   * feed holds it) or the connection counts as lost (the driver then closes it).
   */
  private static void check(Connection c) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute("SELECT 1");
    }
  }

  /**
   * The network timeout the feed sets on its connection for as long as it holds it, and the one to
   * give back. A statement timeout would not do: the driver enforces it by sending a cancel request
   * on another connection and still waits for the answer on this one, which a server that stopped
   * answering (or a network that drops its packets) never sends. Reading notifications, pgjdbc sets
   * its own, shorter, socket timeout and then restores this one.
   */
  private record NetworkTimeout(@Nullable Connection on, int before) {

    /**
     * Sets it on the pool's connection, or else, if the pool's wrapper does not support network
     * timeouts, on the driver's connection under it (which the pool then knows nothing of: {@link
     * #restore} gives it back).
     */
    static NetworkTimeout set(Connection c, Notifications notifications, int millis)
        throws SQLException {
      try {
        return set(c, millis);
      } catch (SQLFeatureNotSupportedException e) {
        Connection driver = notifications.driverConnection();
        if (driver != null) {
          try {
            return set(driver, millis);
          } catch (SQLFeatureNotSupportedException unsupported) {
            // below
          }
        }
        log.debug(
            "the listening connection supports no network timeout; its round trips are"
                + " unbounded");
        return new NetworkTimeout(null, 0);
      }
    }

    private static NetworkTimeout set(Connection c, int millis) throws SQLException {
      int before = c.getNetworkTimeout();
      c.setNetworkTimeout(Runnable::run, millis);
      return new NetworkTimeout(c, before);
    }

    /** Quietly: a connection that broke is closed, and the pool does not lend it again. */
    void restore() {
      Connection c = on;
      if (c == null) {
        return;
      }
      try {
        if (!c.isClosed()) {
          c.setNetworkTimeout(Runnable::run, before);
        }
      } catch (SQLException | RuntimeException e) {
        log.debug("could not restore the listening connection's network timeout: {}", e.toString());
      }
    }
  }

  /** pgjdbc's notification API, by reflection. */
  private static final class Notifications {
    private final Object pg;
    private final Method getNotifications;

    /**
     * The feed's channel: the connection is the pool's, whose session state is not reset between
     * borrowers, so it may also be listening on a channel the application once listened on, or hold
     * notifications of one received before it was lent to the feed.
     */
    private final String channel;

    private Notifications(Object pg, Method getNotifications, String channel) {
      this.pg = pg;
      this.getNotifications = getNotifications;
      this.channel = channel;
    }

    /**
     * pgjdbc's API on {@code c}, or null. The driver class is looked up through every loader that
     * may see it: a pool's connection proxy is often defined by a loader that cannot.
     */
    static @Nullable Notifications of(Connection c, DataSource dataSource, String channel)
        throws SQLException {
      for (ClassLoader loader :
          new ClassLoader[] {
            c.getClass().getClassLoader(),
            dataSource.getClass().getClassLoader(),
            Thread.currentThread().getContextClassLoader(),
            WebhookChangeFeed.class.getClassLoader()
          }) {
        Class<?> type;
        try {
          type = Class.forName("org.postgresql.PGConnection", false, loader);
        } catch (ClassNotFoundException e) {
          continue;
        }
        if (c.isWrapperFor(type)) {
          try {
            return new Notifications(
                c.unwrap(type), type.getMethod("getNotifications", int.class), channel);
          } catch (NoSuchMethodException e) {
            return null;
          }
        }
      }
      return null;
    }

    /** The driver's connection under the pool's handle, if pgjdbc's API is on a connection. */
    @Nullable Connection driverConnection() {
      return pg instanceof Connection physical ? physical : null;
    }

    /** Closes the driver's physical connection under the pool's handle; ignores failures. */
    void discard() {
      if (pg instanceof Connection physical) {
        try {
          physical.close();
        } catch (SQLException | RuntimeException e) {
          log.debug("closing the broken listening connection failed: {}", String.valueOf(e));
        }
      }
    }

    /**
     * Waits up to {@code millis} for notifications; returns the payloads (webhook ids) of those on
     * the feed's channel, dropping any other channel's.
     */
    String[] next(int millis) throws SQLException, ReflectiveOperationException {
      Object[] received;
      try {
        received = (Object[]) getNotifications.invoke(pg, millis);
      } catch (InvocationTargetException e) {
        if (e.getCause() instanceof SQLException sql) {
          throw sql;
        }
        throw e;
      }
      if (received == null) {
        return new String[0];
      }
      List<String> ids = new ArrayList<>(received.length);
      for (Object notification : received) {
        Class<?> type = notification.getClass();
        if (channel.equals(type.getMethod("getName").invoke(notification))) {
          ids.add((String) type.getMethod("getParameter").invoke(notification));
        }
      }
      return ids.toArray(new String[0]);
    }
  }
}
