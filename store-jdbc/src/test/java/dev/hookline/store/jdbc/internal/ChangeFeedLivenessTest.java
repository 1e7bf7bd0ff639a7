package dev.hookline.store.jdbc.internal;

import dev.hookline.spi.WebhookWatcher;
import dev.hookline.store.jdbc.BlackHoleRelay;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The change feed notices a listening connection that died without a reset (its packets silently
 * dropped, as when a failover moves an address or a firewall forgets an idle flow): reads alone
 * would wait on it forever, and other instances' changes would arrive only with the periodic
 * reload. A relay between the pool and the database stops forwarding on the connections it has,
 * while new ones work.
 */
class ChangeFeedLivenessTest {
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
  void aConnectionThatStopsAnsweringIsReplacedAndTheFeedHearsAgain() throws Exception {
    String channel = WebhookChangeFeed.channel("liveness");
    Set<String> changed = ConcurrentHashMap.newKeySet();
    try (BlackHoleRelay relay = new BlackHoleRelay(pg.getPort());
        SimpleConnectionPool viaRelay =
            SimpleConnectionPool.forUrl(
                "jdbc:postgresql://127.0.0.1:"
                    + relay.port()
                    + "/postgres?user=postgres&connectTimeout=5",
                2)) {
      // The feed resyncs whenever it listens on a new connection: the relay's latest, as the feed
      // is its only client. Counting resyncs instead would not tell the reconnect this test causes
      // from one a loaded machine may cause (a check answered too late), which may come first.
      AtomicInteger listeningOn = new AtomicInteger();
      WebhookWatcher watcher =
          new WebhookWatcher() {
            @Override
            public void changed(String webhookId) {
              changed.add(webhookId);
            }

            @Override
            public void resync() {
              listeningOn.set(relay.connections());
            }
          };
      // Checked every 200 ms; no answer within 2 s means a dead connection. Far above a live
      // connection's answer on a loaded machine: a live one dropped loses a notification below.
      WebhookChangeFeed feed =
          WebhookChangeFeed.start(
              viaRelay, channel, watcher, Duration.ofMillis(200), Duration.ofSeconds(2));
      try {
        Poll.until(Duration.ofSeconds(30), () -> listeningOn.get() >= 1, "the feed listens");
        notify(channel, "wh_before");
        Poll.until(
            Duration.ofSeconds(30), () -> changed.contains("wh_before"), "a change is heard");

        int dead = relay.blackHoleExisting();
        // The next check gets no answer within 2 s: the feed reconnects and resyncs.
        Poll.until(
            Duration.ofSeconds(30),
            () -> listeningOn.get() > dead,
            () ->
                "the feed never listened on a connection made after connection "
                    + dead
                    + " went dead (it listens on connection "
                    + listeningOn.get()
                    + ")");
        notify(channel, "wh_after");
        Poll.until(
            Duration.ofSeconds(30),
            () -> changed.contains("wh_after"),
            "a change made after the outage is heard");
      } finally {
        feed.close();
      }
    }
  }

  private static void notify(String channel, String id) throws SQLException {
    try (Connection c = pg.getPostgresDatabase().getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
      ps.setString(1, channel);
      ps.setString(2, id);
      ps.execute();
    }
  }
}
