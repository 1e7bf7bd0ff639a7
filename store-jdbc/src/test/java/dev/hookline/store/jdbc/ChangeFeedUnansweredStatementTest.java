package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hookline.spi.WebhookWatcher;
import dev.hookline.store.jdbc.internal.WebhookChangeFeed;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every statement the change feed sends on its listening connection waits at most its check
 * timeout, also when the pool sets no network timeout on its connections or its wrapper does not
 * support one. A statement sent to a database that stopped answering (its packets dropped by a
 * failover, a firewall or a proxy, a hung server) otherwise waited forever: the feed stopped, and
 * other instances' changes arrived only with the periodic reload. The checks here run 500 ms.
 */
class ChangeFeedUnansweredStatementTest {
  private static final Duration CHECK_TIMEOUT = Duration.ofMillis(500);

  @ParameterizedTest(name = "network timeouts supported by the pool's wrapper: {0}")
  @ValueSource(booleans = {true, false})
  void aListenThatGetsNoAnswerIsGivenUpAndTheFeedListensOnANewConnection(boolean networkTimeouts)
      throws Exception {
    String channel = WebhookChangeFeed.channel("unanswered_listen_" + networkTimeouts);
    Recorder watcher = new Recorder();
    try (BlackHoleRelay relay = new BlackHoleRelay(EmbeddedDb.server().getPort());
        SimpleConnectionPool pool = EmbeddedDb.poolForPort(relay.port(), 1);
        CapturedLog log = new CapturedLog()) {
      StallingDataSource db = new StallingDataSource(pool, relay, networkTimeouts);
      db.stall("LISTEN", 2); // two connections in a row: the outage is logged once
      WebhookChangeFeed feed =
          WebhookChangeFeed.start(db, channel, watcher, Duration.ofHours(1), CHECK_TIMEOUT);
      try {
        Poll.until(
            Duration.ofSeconds(20),
            () -> watcher.resyncs.get() == 1,
            "the feed gives up the unanswered LISTENs and listens on a third connection");
        EmbeddedDb.notify(channel, "wh_1");
        Poll.until(
            Duration.ofSeconds(10), () -> watcher.changed.contains("wh_1"), "a change is heard");
        assertEquals(3, relay.connections(), "connections opened");
        assertEquals(
            1,
            log.lines("WARN", "webhook change feed lost", "channel=" + channel + " ").size(),
            "WARNs for one outage of two failed attempts");
        assertEquals(1, log.lines("INFO", "webhook change feed back", "channel=" + channel).size());
      } finally {
        feed.close();
      }
    }
  }

  @Test
  void closingWhileTheUnlistenGetsNoAnswerGivesTheConnectionBack() throws Exception {
    String channel = WebhookChangeFeed.channel("unanswered_unlisten");
    Recorder watcher = new Recorder();
    try (BlackHoleRelay relay = new BlackHoleRelay(EmbeddedDb.server().getPort());
        SimpleConnectionPool pool = EmbeddedDb.poolForPort(relay.port(), 1)) {
      StallingDataSource db = new StallingDataSource(pool, relay, true);
      WebhookChangeFeed feed =
          WebhookChangeFeed.start(db, channel, watcher, Duration.ofHours(1), CHECK_TIMEOUT);
      try {
        Poll.until(Duration.ofSeconds(10), () -> watcher.resyncs.get() == 1, "the feed listens");
        db.stall("UNLISTEN", 1);
      } finally {
        feed.close(); // waits up to 5 s for the feed's thread to end
      }
      // Unbounded, the UNLISTEN held the pool's only connection for good.
      pool.setLoginTimeout(1);
      try (Connection c = pool.getConnection();
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_listening_channels()")) {
        rs.next();
        assertEquals(0, rs.getInt(1), "a listening connection was given back");
      }
    }
  }

  @Test
  void aPoolWrapperWithoutNetworkTimeoutsGetsItsChecksAndItsDeadConnectionReplaced()
      throws Exception {
    String channel = WebhookChangeFeed.channel("unanswered_check_no_network_timeout");
    Recorder watcher = new Recorder();
    try (BlackHoleRelay relay = new BlackHoleRelay(EmbeddedDb.server().getPort());
        SimpleConnectionPool pool = EmbeddedDb.poolForPort(relay.port(), 1);
        CapturedLog log = new CapturedLog()) {
      StallingDataSource db = new StallingDataSource(pool, relay, false);
      WebhookChangeFeed feed =
          WebhookChangeFeed.start(db, channel, watcher, Duration.ofMillis(100), CHECK_TIMEOUT);
      try {
        Poll.until(Duration.ofSeconds(10), () -> watcher.resyncs.get() == 1, "the feed listens");
        // The check asked the wrapper for a network timeout, failed, and dropped the connection.
        Poll.until(Duration.ofSeconds(10), () -> db.checks() >= 3, "three checks are sent");
        assertEquals(1, watcher.resyncs.get(), "resyncs: the feed reconnected");
        assertEquals(1, db.borrows(), "connections borrowed");

        relay.blackHoleExisting();
        Poll.until(
            Duration.ofSeconds(10),
            () -> watcher.resyncs.get() == 2,
            "the check that gets no answer is given up and the feed listens again");
        EmbeddedDb.notify(channel, "wh_after");
        Poll.until(
            Duration.ofSeconds(10),
            () -> watcher.changed.contains("wh_after"),
            "a change made after the outage is heard");
        assertEquals(
            1, log.lines("WARN", "webhook change feed lost", "channel=" + channel + " ").size());
      } finally {
        feed.close();
      }
    }
  }

  private static final class Recorder implements WebhookWatcher {
    final AtomicInteger resyncs = new AtomicInteger();
    final Set<String> changed = ConcurrentHashMap.newKeySet();

    @Override
    public void changed(String webhookId) {
      changed.add(webhookId);
    }

    @Override
    public void resync() {
      resyncs.incrementAndGet();
    }
  }
}
