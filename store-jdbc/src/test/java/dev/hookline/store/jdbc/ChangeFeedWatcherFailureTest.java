package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.spi.WebhookWatcher;
import dev.hookline.store.jdbc.internal.WebhookChangeFeed;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A watcher that throws makes the feed give its connection back and listen again later: the
 * connection it gives back must not still be listening, or the driver would queue every later
 * notification on it, without bound, for whoever borrows it next.
 */
class ChangeFeedWatcherFailureTest {

  @Test
  void aResyncThatThrowsLeavesThePoolsConnectionNotListening() throws Exception {
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
              throw new IllegalStateException("the watcher failed");
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
  void aChangeThatThrowsLeavesThePoolsConnectionNotListening() throws Exception {
    String channel = WebhookChangeFeed.channel("watcher_fails_change");
    CountDownLatch listening = new CountDownLatch(1);
    CountDownLatch threw = new CountDownLatch(1);
    WebhookWatcher watcher =
        new WebhookWatcher() {
          @Override
          public void changed(String webhookId) {
            threw.countDown();
            throw new IllegalStateException("the watcher failed");
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

  /** Borrows the pool's one connection (waiting for the feed to give it back) and asks it. */
  private static int listeningChannels(SimpleConnectionPool pool) throws SQLException {
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_listening_channels()")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
