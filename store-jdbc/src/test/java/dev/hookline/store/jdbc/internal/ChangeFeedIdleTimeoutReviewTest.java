package dev.hookline.store.jdbc.internal;

import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hookline.spi.WebhookWatcher;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Review round 6: a database that ends idle sessions ({@code idle_session_timeout}, PostgreSQL 14+,
 * set on a role or database to reap idle pooled connections). The feed's connection sends nothing
 * between its checks (every 30 s), so with a timeout under 30 s the server ended it again and
 * again: each time a WARN that the feed was lost, an INFO that it was back, a reload of every
 * webhook, and notifications missed in each gap, for as long as the process ran.
 */
class ChangeFeedIdleTimeoutReviewTest {
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
  void aFeedOnADatabaseThatEndsIdleSessionsStaysConnected() throws Exception {
    DataSource plain = pg.getPostgresDatabase();
    // As `ALTER ROLE app SET idle_session_timeout = '4s'` would (shortened for the test). The feed
    // checks every 2 s, a check due waiting up to 250 ms behind a read: only a feed thread held up
    // for over 1.7 s lets the session time out (at 2 s, 0.7 s did, on a loaded machine).
    DataSource reaping =
        (DataSource)
            Proxy.newProxyInstance(
                DataSource.class.getClassLoader(),
                new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                  try {
                    Object result = method.invoke(plain, args);
                    if (result instanceof Connection c) {
                      try (Statement s = c.createStatement()) {
                        s.execute("SET idle_session_timeout = '4s'");
                      }
                    }
                    return result;
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    AtomicInteger resyncs = new AtomicInteger();
    WebhookWatcher watcher =
        new WebhookWatcher() {
          @Override
          public void changed(String webhookId) {}

          @Override
          public void resync() {
            resyncs.incrementAndGet();
          }
        };
    try (SimpleConnectionPool pool = SimpleConnectionPool.of(reaping, 2)) {
      WebhookChangeFeed feed =
          WebhookChangeFeed.start(pool, WebhookChangeFeed.channel("idle_timeout"), watcher);
      try {
        // Not == 1: a second resync already (a reconnect) must fail the assertion below, not this.
        Poll.until(Duration.ofSeconds(30), () -> resyncs.get() >= 1, "the feed listens");
        // Two idle timeouts' worth (the unfixed feed reconnected within about 5 s, 1 s after the
        // server ended its session): a feed that stays connected never resyncs again.
        assertThrows(
            AssertionError.class,
            () -> Poll.until(Duration.ofSeconds(8), () -> resyncs.get() > 1, "a reconnect"),
            () ->
                "the feed lost its connection to the idle-session timeout and reconnected ("
                    + resyncs.get()
                    + " resyncs, each a reload of every webhook)");
      } finally {
        feed.close();
      }
    }
  }
}
