package dev.hookline.store.jdbc.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.hookline.spi.WebhookWatcher;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The feed passes on only its own channel's notifications. The listening connection comes from the
 * application's pool, which does not reset session state: a connection on which the application
 * once ran {@code LISTEN} on a channel of its own keeps receiving that channel's notifications.
 */
class ChangeFeedChannelTest {
  private static EmbeddedPostgres pg;

  @BeforeAll
  static void startDatabase() throws IOException {
    pg = EmbeddedPostgres.builder().start();
  }

  @AfterAll
  static void stopDatabase() throws IOException {
    pg.close();
  }

  @Test
  void anotherChannelsNotificationsAreNotTakenForWebhookChanges() throws Exception {
    String channel = WebhookChangeFeed.channel("channel_test");
    Set<String> changed = ConcurrentHashMap.newKeySet();
    AtomicInteger queued = new AtomicInteger();
    AtomicInteger resyncs = new AtomicInteger();
    WebhookWatcher watcher =
        new WebhookWatcher() {
          @Override
          public void changed(String webhookId) {
            changed.add(webhookId);
          }

          @Override
          public void resync() {
            resyncs.incrementAndGet();
          }

          @Override
          public void deliveriesQueued() {
            queued.incrementAndGet();
          }
        };
    try (SimpleConnectionPool pool = SimpleConnectionPool.of(pg.getPostgresDatabase(), 1)) {
      // The application listened on its own channel with the pool's only connection.
      try (Connection c = pool.getConnection();
          Statement s = c.createStatement()) {
        s.execute("LISTEN app_events");
      }
      WebhookChangeFeed feed = WebhookChangeFeed.start(pool, channel, watcher);
      try {
        Poll.until(Duration.ofSeconds(30), () -> resyncs.get() >= 1, "the feed listens");
        notify("app_events", "wh_not_a_webhook_change");
        notify("app_events", "");
        notify(channel, "wh_mine");
        Poll.until(
            Duration.ofSeconds(30), () -> changed.contains("wh_mine"), "its own change is heard");
        assertFalse(
            changed.contains("wh_not_a_webhook_change"),
            "another channel's payload was taken for a webhook id");
        assertFalse(queued.get() > 0, "another channel's empty payload woke the claims");
      } finally {
        feed.close();
      }
    }
  }

  private static void notify(String channel, String payload) throws SQLException {
    try (Connection c = pg.getPostgresDatabase().getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
      ps.setString(1, channel);
      ps.setString(2, payload);
      ps.execute();
    }
  }
}
