package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.spi.WebhookWatcher;
import dev.hookline.store.jdbc.internal.WebhookChangeFeed;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * A watcher that throws an exception does not stop the feed: the feed goes on listening on the same
 * connection and owes the watcher a resync, retried less and less often while the watcher keeps
 * failing, and logged once. One that throws an {@link Error} ends the feed's thread: the connection
 * it gives back must not still be listening, or the driver would queue every later notification on
 * it, without bound, for whoever borrows it next.
 */
class ChangeFeedWatcherFailureTest {

  @Test
  void aResyncThatThrowsAnErrorLeavesThePoolsConnectionNotListening() throws Exception {
    String channel = WebhookChangeFeed.channel("watcher_fails_resync");
    CountDownLatch threw = new CountDownLatch(1);
    AtomicInteger resyncs = new AtomicInteger();
    WebhookWatcher watcher =
        new WebhookWatcher() {
          @Override
          public void changed(String webhookId) {}

          @Override
          public void resync() {
            if (resyncs.incrementAndGet() == 1) {
              threw.countDown();
              throw new Error("the watcher failed");
            }
          }
        };
    try (SimpleConnectionPool pool = SimpleConnectionPool.of(EmbeddedDb.dataSource(), 1)) {
      WebhookChangeFeed feed = WebhookChangeFeed.start(pool, channel, watcher);
      try {
        assertTrue(threw.await(10, TimeUnit.SECONDS), "the feed listens and resyncs");
        assertEquals(0, listeningChannels(pool), "the connection went back still listening");
      } finally {
        feed.close();
      }
    }
  }

  @Test
  void aChangeThatThrowsAnErrorLeavesThePoolsConnectionNotListening() throws Exception {
    String channel = WebhookChangeFeed.channel("watcher_fails_change");
    CountDownLatch listening = new CountDownLatch(1);
    CountDownLatch threw = new CountDownLatch(1);
    WebhookWatcher watcher =
        new WebhookWatcher() {
          @Override
          public void changed(String webhookId) {
            threw.countDown();
            throw new Error("the watcher failed");
          }

          @Override
          public void resync() {
            listening.countDown();
          }
        };
    try (SimpleConnectionPool pool = SimpleConnectionPool.of(EmbeddedDb.dataSource(), 1)) {
      WebhookChangeFeed feed = WebhookChangeFeed.start(pool, channel, watcher);
      try {
        assertTrue(listening.await(10, TimeUnit.SECONDS), "the feed listens");
        try (Connection c = EmbeddedDb.dataSource().getConnection();
            PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, 'wh_1')")) {
          ps.setString(1, channel);
          ps.execute();
        }
        assertTrue(threw.await(10, TimeUnit.SECONDS), "the change is passed on");
        assertEquals(0, listeningChannels(pool), "the connection went back still listening");
      } finally {
        feed.close();
      }
    }
  }

  @Test
  void aResyncThatKeepsThrowingIsRetriedLessAndLessOftenOnTheSameConnectionAndLoggedOnce()
      throws Exception {
    String channel = WebhookChangeFeed.channel("watcher_keeps_failing_resync");
    List<Long> attempts = new CopyOnWriteArrayList<>();
    Set<String> changed = ConcurrentHashMap.newKeySet();
    WebhookWatcher watcher =
        new WebhookWatcher() {
          @Override
          public void changed(String webhookId) {
            changed.add(webhookId);
          }

          @Override
          public void resync() {
            attempts.add(System.nanoTime());
            throw new IllegalStateException("the watcher failed");
          }
        };
    AtomicInteger borrows = new AtomicInteger();
    try (SimpleConnectionPool pool = SimpleConnectionPool.of(EmbeddedDb.dataSource(), 1);
        CapturedLog log = new CapturedLog()) {
      DataSource counting = countingBorrows(pool, borrows);
      WebhookChangeFeed feed = WebhookChangeFeed.start(counting, channel, watcher);
      try {
        Poll.until(Duration.ofSeconds(10), () -> attempts.size() == 1, "the feed resyncs");
        EmbeddedDb.notify(channel, "wh_1");
        Poll.until(
            Duration.ofSeconds(10),
            () -> changed.contains("wh_1"),
            "a change is passed on while the resync keeps failing");
        Poll.until(Duration.ofSeconds(20), () -> attempts.size() >= 3, "the resync is retried");
        long first = attempts.get(1) - attempts.get(0);
        long second = attempts.get(2) - attempts.get(1);
        assertTrue(
            first >= TimeUnit.MILLISECONDS.toNanos(900), "first retry after " + first + " ns");
        assertTrue(
            second >= TimeUnit.MILLISECONDS.toNanos(1_900),
            "the wait did not grow: " + first + " ns, then " + second + " ns");
        assertEquals(1, borrows.get(), "connections borrowed");
        assertEquals(
            1,
            log.lines("WARN", "WebhookChangeFeed", "channel=" + channel).size(),
            "WARNs for one watcher that keeps failing");
      } finally {
        feed.close();
      }
    }
  }

  @Test
  void aChangeThatThrowsIsMadeGoodByAResyncAndTheFeedGoesOnListening() throws Exception {
    String channel = WebhookChangeFeed.channel("watcher_fails_one_change");
    AtomicInteger resyncs = new AtomicInteger();
    Set<String> changed = ConcurrentHashMap.newKeySet();
    WebhookWatcher watcher =
        new WebhookWatcher() {
          @Override
          public void changed(String webhookId) {
            if (webhookId.equals("wh_bad")) {
              throw new IllegalStateException("the watcher failed");
            }
            changed.add(webhookId);
          }

          @Override
          public void resync() {
            resyncs.incrementAndGet();
          }
        };
    AtomicInteger borrows = new AtomicInteger();
    try (SimpleConnectionPool pool = SimpleConnectionPool.of(EmbeddedDb.dataSource(), 1);
        CapturedLog log = new CapturedLog()) {
      DataSource counting = countingBorrows(pool, borrows);
      WebhookChangeFeed feed = WebhookChangeFeed.start(counting, channel, watcher);
      try {
        Poll.until(Duration.ofSeconds(10), () -> resyncs.get() == 1, "the feed listens");
        EmbeddedDb.notify(channel, "wh_bad");
        Poll.until(
            Duration.ofSeconds(10),
            () -> resyncs.get() == 2,
            "the watcher, which may have missed the change it failed on, is asked to resync");
        EmbeddedDb.notify(channel, "wh_good");
        Poll.until(
            Duration.ofSeconds(10), () -> changed.contains("wh_good"), "a later change is heard");
        assertEquals(1, borrows.get(), "connections borrowed");
        List<String> warnings = log.lines("WARN", "WebhookChangeFeed", "channel=" + channel);
        assertEquals(1, warnings.size(), "WARNs");
        assertTrue(warnings.get(0).contains("webhook watcher failed in changed"), warnings.get(0));
      } finally {
        feed.close();
      }
    }
  }

  /** Borrows the pool's one connection (waiting for the feed to give it back) and asks it. */
  private static int listeningChannels(SimpleConnectionPool pool) throws SQLException {
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_listening_channels()")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /** {@code pool}, counting the connections borrowed from it in {@code borrows}. */
  private static DataSource countingBorrows(DataSource pool, AtomicInteger borrows) {
    return new ForwardingDataSource(pool) {
      @Override
      public Connection getConnection() throws SQLException {
        borrows.incrementAndGet();
        return super.getConnection();
      }
    };
  }
}
