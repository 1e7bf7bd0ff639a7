package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.spi.Store;
import dev.hookline.spi.WebhookWatcher;
import dev.hookline.store.jdbc.internal.WebhookChangeFeed;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The webhook channel of a schema whose name leaves no room in PostgreSQL's 63-byte identifier is a
 * hash, which two schemas may share: each store still hears its own changes, and the other's only
 * add re-reads that find nothing in its own schema.
 */
class ChangeFeedLongSchemaChannelTest {
  private static final String PREFIX = "a".repeat(44);

  /** Two 46-character schemas whose names have the same {@link String#hashCode}. */
  private static final String FIRST = PREFIX + "x0";

  private static final String SECOND = PREFIX + "vn";

  private static final String LONGEST_SPELLED_OUT = "b".repeat(45);
  private static final String LONGEST = "c".repeat(63);
  private static final SimpleConnectionPool ADMIN =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 4);

  @AfterAll
  static void dropSchemas() {
    for (String schema : new String[] {FIRST, SECOND, LONGEST_SPELLED_OUT, LONGEST}) {
      EmbeddedDb.dropSchema(ADMIN, schema);
    }
    ADMIN.close();
  }

  @Test
  void everySchemaNameGetsAChannelWithinTheLimitAndShortOnesTheirOwn() {
    Set<String> channels = new HashSet<>();
    for (int length = 1; length <= 63; length++) {
      String channel = WebhookChangeFeed.channel("s".repeat(length));
      assertTrue(channel.getBytes(StandardCharsets.UTF_8).length <= 63, channel);
      if (length <= 45) {
        assertEquals("hookline_webhooks_" + "s".repeat(length), channel);
      }
      channels.add(channel);
    }
    assertEquals(63, channels.size(), "distinct channels for 63 distinct schema names");
    // Bytes, not characters, count: 23 two-byte characters would be 64 bytes.
    assertEquals("hookline_webhooks_" + "é".repeat(22), WebhookChangeFeed.channel("é".repeat(22)));
    assertTrue(
        WebhookChangeFeed.channel("é".repeat(23)).getBytes(StandardCharsets.UTF_8).length <= 63);
    assertNotEquals(
        "hookline_webhooks_" + "é".repeat(23), WebhookChangeFeed.channel("é".repeat(23)));
  }

  @Test
  void theLongestSchemaNamesAreListenedToAndHeard() throws Exception {
    for (String schema : new String[] {LONGEST_SPELLED_OUT, LONGEST}) {
      Store store = EmbeddedDb.store(ADMIN, schema);
      Heard heard = new Heard();
      Store.Watch watch = store.watchWebhooks(heard);
      try {
        Poll.until(Duration.ofSeconds(10), () -> heard.resynced(), "the feed listens: " + schema);
        store.insertWebhook(webhook("wh_" + schema.length(), T0));
        Poll.until(
            Duration.ofSeconds(10),
            () -> heard.changed.contains("wh_" + schema.length()),
            "a change in " + schema + " is heard");
      } finally {
        watch.close();
      }
    }
  }

  @Test
  void twoSchemasSharingAChannelEachHearTheirOwnChanges() throws Exception {
    assertEquals(FIRST.hashCode(), SECOND.hashCode());
    assertEquals(WebhookChangeFeed.channel(FIRST), WebhookChangeFeed.channel(SECOND));
    Store first = EmbeddedDb.store(ADMIN, FIRST);
    Store second = EmbeddedDb.store(ADMIN, SECOND);
    Heard inFirst = new Heard();
    Heard inSecond = new Heard();
    Store.Watch watchFirst = first.watchWebhooks(inFirst);
    Store.Watch watchSecond = second.watchWebhooks(inSecond);
    try {
      Poll.until(
          Duration.ofSeconds(10), () -> inFirst.resynced() && inSecond.resynced(), "both listen");
      first.insertWebhook(webhook("wh_first", T0));
      second.insertWebhook(webhook("wh_second", T0));
      Poll.until(
          Duration.ofSeconds(10),
          () -> inFirst.changed.contains("wh_first") && inSecond.changed.contains("wh_second"),
          "each store's change is heard by its own watch");
      // The other's change also arrives; re-read from its own schema, it is no webhook there.
      Poll.until(
          Duration.ofSeconds(10),
          () -> inFirst.changed.contains("wh_second"),
          "the other schema's change");
      assertTrue(first.findWebhook("wh_second").isEmpty());
      assertEquals(1, inFirst.resyncs.get(), "the shared channel made a feed resync");
      assertEquals(1, inSecond.resyncs.get(), "the shared channel made a feed resync");
    } finally {
      watchFirst.close();
      watchSecond.close();
    }
  }

  @Test
  void aChannelOfMultiByteCharactersUpToTheLimitIsListenedTo() throws Exception {
    String channel = WebhookChangeFeed.channel("é".repeat(22)); // 62 bytes
    Heard heard = new Heard();
    Store.Watch watch = WebhookChangeFeed.start(ADMIN, channel, heard);
    try {
      Poll.until(Duration.ofSeconds(10), () -> heard.resynced(), "the feed listens");
      try (Connection c = EmbeddedDb.dataSource().getConnection();
          PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, 'wh_1')")) {
        ps.setString(1, channel);
        ps.execute();
      }
      Poll.until(Duration.ofSeconds(10), () -> heard.changed.contains("wh_1"), "it is heard");
    } finally {
      watch.close();
    }
  }

  private static final class Heard implements WebhookWatcher {
    final Set<String> changed = ConcurrentHashMap.newKeySet();
    final AtomicInteger resyncs = new AtomicInteger();

    boolean resynced() {
      return resyncs.get() > 0;
    }

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
