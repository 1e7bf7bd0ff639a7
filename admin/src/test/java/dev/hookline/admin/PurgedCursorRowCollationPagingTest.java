package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hookline.Delivery;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.admin.store.InMemoryAdminStore;
import dev.hookline.admin.store.PostgresAdminStore;
import dev.hookline.spi.IdGenerator;
import dev.hookline.spi.Store;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.store.jdbc.PostgresStore;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Paging through rows of one instant (the deliveries of one publish, webhooks made in the same
 * microsecond) on PostgreSQL whose ids sort by a collation that is not Java's (an ICU en-US
 * collation, as a production database's en_US.UTF-8 does: case folded at first, '-' and '_' before
 * digits and letters), when the cursor's own row is purged (deleted) between two page requests. The
 * next page is then computed from the cursor's (created_at, id) alone, comparing ids in Java's
 * order, while the database returned the rows of that instant in its collation's order: rows were
 * skipped or shown twice. Every row must be seen exactly once, in the order the in-memory store
 * gives.
 */
class PurgedCursorRowCollationPagingTest {
  private static final String SCHEMA = "purged_cursor";

  /** Ids whose en-US order (case-insensitive first, punctuation first) is not Java's. */
  private static final List<String> SUFFIXES =
      List.of("a", "B", "c", "D", "_e", "-f", "G", "h", "Ab", "aC", "x_", "X-", "0z", "Z0");

  static SimpleConnectionPool ds;
  static PostgresStore pgStore;
  static Deque<String> pgIds = new ArrayDeque<>();
  static Deque<String> memIds = new ArrayDeque<>();
  static AdminHarness onPg;
  static AdminHarness inMemory;

  @BeforeAll
  static void start() throws IOException, SQLException {
    ds = SimpleConnectionPool.of(SharedPostgres.database(), 8);
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) 7);
    pgStore =
        PostgresStore.builder(ds)
            .schema(SCHEMA)
            .secretCipher(AesGcmSecretCipher.builder().primaryKey("test-1", key).build())
            .build();
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute(
          "ALTER TABLE "
              + SCHEMA
              + ".deliveries ALTER COLUMN id TYPE text COLLATE \"en-US-x-icu\"");
      s.execute(
          "ALTER TABLE " + SCHEMA + ".webhooks ALTER COLUMN id TYPE text COLLATE \"en-US-x-icu\"");
    }
    onPg =
        new AdminHarness(
            PostgresAdminStore.create(ds, SCHEMA),
            s -> pgStore,
            r -> r.idGenerator(chosen(pgIds)),
            b -> {});
    inMemory =
        new AdminHarness(
            new InMemoryAdminStore(),
            UnaryOperator.identity(),
            r -> r.idGenerator(chosen(memIds)),
            b -> {});
  }

  @AfterAll
  static void stop() throws IOException {
    onPg.close();
    inMemory.close();
    pgStore.close();
    ds.close();
  }

  /** The next chosen id if one is queued, else a counter. */
  private static IdGenerator chosen(Deque<String> queue) {
    AtomicInteger n = new AtomicInteger();
    return prefix -> {
      String next = queue.poll();
      return next != null ? next : prefix + "_gen" + n.incrementAndGet();
    };
  }

  /** Deletes one row by id, as a retention purge (or a webhook's deletion) does between pages. */
  private static void deleteRow(String table, String id) {
    try (Connection c = ds.getConnection();
        PreparedStatement s =
            c.prepareStatement("DELETE FROM " + SCHEMA + "." + table + " WHERE id = ?")) {
      s.setString(1, id);
      assertEquals(1, s.executeUpdate(), "deleted " + id);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Puts one delivery per chosen id, all created at one instant, on a new webhook of {@code tenant}
   * (null: the host's), into the harness's store; returns the webhook.
   */
  private static Webhook deliveriesOfOneInstant(
      AdminHarness h, Store store, String tenant, String tag) {
    Webhook w = h.receiving(tenant, "purged-" + tag);
    List<Delivery> batch = new ArrayList<>();
    for (String suffix : SUFFIXES) {
      batch.add(
          Delivery.pending(
              "dlv_" + tag + "_" + suffix,
              w.id(),
              h.event(UserEvents.CREATED, tenant),
              h.clock.instant()));
    }
    assertEquals(SUFFIXES.size(), store.enqueue(batch).size());
    return w;
  }

  /**
   * Pages through {@code path} three rows at a time, deleting (with {@code purgeLastShown}) each
   * page's last row before asking for the next.
   */
  private static List<String> pageThrough(
      AdminHarness h, String path, String token, Consumer<String> purgeLastShown) {
    List<String> seen = new ArrayList<>();
    String cursor = null;
    for (int pages = 0; pages < 50; pages++) {
      Http.Exchange e = h.http.get(path + (cursor == null ? "" : "&cursor=" + cursor), token);
      assertEquals(200, e.status(), e::toString);
      JsonNode page = e.json();
      page.get("data").forEach(d -> seen.add(d.get("id").asText()));
      if (page.get("done").asBoolean()) {
        return seen;
      }
      cursor = page.get("next_cursor").asText();
      purgeLastShown.accept(seen.get(seen.size() - 1));
    }
    throw new AssertionError("no last page after 50: " + seen);
  }

  private static void assertEachOnceInOrder(List<String> expected, List<String> seen) {
    Map<String, Integer> times = new HashMap<>();
    seen.forEach(id -> times.merge(id, 1, Integer::sum));
    List<String> twice = new ArrayList<>();
    times.forEach(
        (id, n) -> {
          if (n > 1) {
            twice.add(id);
          }
        });
    List<String> missing = new ArrayList<>(expected);
    missing.removeAll(seen);
    assertEquals(List.of(), twice, "rows shown twice; seen " + seen);
    assertEquals(List.of(), missing, "rows never shown; seen " + seen);
    assertEquals(expected, seen, "not the in-memory store's order");
  }

  private void deliveryLogOnceEach(String tenant, String tag) {
    Webhook mem = deliveriesOfOneInstant(inMemory, inMemory.store, tenant, tag);
    Webhook onDb = deliveriesOfOneInstant(onPg, pgStore, tenant, tag);
    String memToken = tenant == null ? inMemory.root : inMemory.tenantToken(tenant);
    String pgToken = tenant == null ? onPg.root : onPg.tenantToken(tenant);
    List<String> expected =
        pageThrough(
            inMemory,
            inMemory.webhooks() + "/" + mem.id() + "/deliveries?limit=3",
            memToken,
            id -> {});
    assertEquals(SUFFIXES.size(), expected.size(), expected::toString);
    List<String> seen =
        pageThrough(
            onPg,
            onPg.webhooks() + "/" + onDb.id() + "/deliveries?limit=3",
            pgToken,
            id -> deleteRow("deliveries", id));
    assertEachOnceInOrder(expected, seen);
  }

  @Test
  void aWebhooksDeliveryLogShowsEachRowOnceWhenTheCursorsRowIsPurgedBetweenPages() {
    deliveryLogOnceEach(null, "host");
  }

  @Test
  void aTenantsDeliveryLogShowsEachRowOnceWhenTheCursorsRowIsPurgedBetweenPages() {
    deliveryLogOnceEach("acme", "acme");
  }

  private void webhookListOnceEach(String tenant, String tag) {
    // Webhooks made through the registry on a manual clock: all of one instant.
    for (String suffix : SUFFIXES) {
      memIds.add("wh_" + tag + "_" + suffix);
      pgIds.add("wh_" + tag + "_" + suffix);
    }
    for (int i = 0; i < SUFFIXES.size(); i++) {
      inMemory.webhook(tenant, tag + i);
      onPg.webhook(tenant, tag + i);
    }
    String memToken = tenant == null ? inMemory.root : inMemory.tenantToken(tenant);
    String pgToken = tenant == null ? onPg.root : onPg.tenantToken(tenant);
    String prefix = "wh_" + tag + "_";
    List<String> expected =
        pageThrough(inMemory, inMemory.webhooks() + "?limit=3", memToken, id -> {});
    expected.removeIf(id -> !id.startsWith(prefix));
    assertEquals(SUFFIXES.size(), expected.size(), expected::toString);
    List<String> seen =
        pageThrough(
            onPg,
            onPg.webhooks() + "?limit=3",
            pgToken,
            id -> {
              if (id.startsWith(prefix)) {
                assertEquals(204, onPg.http.delete(onPg.webhooks() + "/" + id, pgToken).status());
              }
            });
    seen.removeIf(id -> !id.startsWith(prefix));
    assertEachOnceInOrder(expected, seen);
  }

  @Test
  void theWebhookListShowsEachWebhookOnceWhenTheCursorsWebhookIsDeletedBetweenPages() {
    webhookListOnceEach(null, "hostlist");
  }

  @Test
  void aTenantsWebhookListShowsEachWebhookOnceWhenTheCursorsWebhookIsDeletedBetweenPages() {
    webhookListOnceEach("globex", "globexlist");
  }
}
