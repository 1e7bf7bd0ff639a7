package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.admin.store.PostgresAdminStore;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.store.jdbc.PostgresStore;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The delivery log over PostgreSQL whose ids sort by a collation that is not Java's (an ICU en-US
 * collation, as a production database's en_US.UTF-8 does): rows of one instant (one publish(List))
 * come back in the database's order. The fix of the fourth review round follows that order only
 * while the cursor's own row is still in the listing; once it is gone (redelivered out of a
 * state=failed view, or purged) the next page compares ids in Java's order again and skips or
 * repeats rows. The stores get their connections from a small pool: the embedded server's own
 * DataSource starts a server process per connection, 20 to 40 ms a Store call, which made the wait
 * for forty failures (one per half-open probe of the endpoint's breaker) outlast its bound on a
 * loaded machine.
 */
class ForeignCollationPagingTest {
  static SimpleConnectionPool ds;
  static PostgresStore store;
  static AdminHarness h;

  @BeforeAll
  static void start() throws IOException, SQLException {
    ds = SimpleConnectionPool.of(SharedPostgres.database(), 8);
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) 7);
    store =
        PostgresStore.builder(ds)
            .schema("icu_paging")
            .secretCipher(AesGcmSecretCipher.builder().primaryKey("test-1", key).build())
            .build();
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      // A production database's collation (en_US.UTF-8) puts 'a' before 'B', '_' and '-' before
      // letters: not Java's code-unit order.
      s.execute(
          "ALTER TABLE icu_paging.deliveries ALTER COLUMN id TYPE text COLLATE \"en-US-x-icu\"");
      s.execute(
          "ALTER TABLE icu_paging.webhooks ALTER COLUMN id TYPE text COLLATE \"en-US-x-icu\"");
    }
    h = new AdminHarness(PostgresAdminStore.create(ds, "icu_paging"), s -> store, r -> {}, b -> {});
  }

  @AfterAll
  static void stop() throws IOException {
    h.close();
    store.close();
    ds.close();
  }

  @Test
  void aFailedViewPagesOnWhenTheCursorsRowWasRedeliveredBetweenPages() {
    Webhook w = h.receiving("coll", "coll");
    h.endpointStatus.set(500);
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      events.add(h.event(UserEvents.CREATED, "coll"));
    }
    h.dispatcher.publish(events); // forty deliveries of one instant
    Poll.until(
        Duration.ofSeconds(30),
        () -> {
          h.dispatcher.runDueNow();
          h.clock.advance(Duration.ofMinutes(1)); // past any hand-back's delay
          return h.dispatcher.summary(w.id()).failed() == 40;
        },
        "all forty failed");
    String failed = h.webhooks() + "/" + w.id() + "/deliveries?state=failed&limit=10";
    JsonNode first = h.http.get(failed, h.root).json();
    assertEquals(10, first.get("data").size());
    Set<String> seen = new HashSet<>();
    first.get("data").forEach(d -> seen.add(d.get("id").asText()));
    // The operator redelivers the last failed delivery shown; it is pending now.
    String last = first.get("data").get(9).get("id").asText();
    assertEquals(
        202,
        h.http
            .post(h.webhooks() + "/" + w.id() + "/deliveries/" + last + "/redeliver", h.root, null)
            .status());
    List<String> rest = new ArrayList<>();
    String cursor = first.get("next_cursor").asText();
    while (cursor != null) {
      JsonNode page = h.http.get(failed + "&cursor=" + cursor, h.root).json();
      page.get("data").forEach(d -> rest.add(d.get("id").asText()));
      cursor = page.get("done").asBoolean() ? null : page.get("next_cursor").asText();
    }
    List<String> repeated = new ArrayList<>(rest);
    repeated.retainAll(seen);
    assertEquals(List.of(), repeated, "rows of the first page shown again");
    assertEquals(30, new HashSet<>(rest).size(), "the other 30 failed deliveries, each once");
  }
}
