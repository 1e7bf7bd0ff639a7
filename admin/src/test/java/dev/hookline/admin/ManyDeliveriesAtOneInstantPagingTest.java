package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.admin.store.InMemoryAdminStore;
import dev.hookline.admin.store.PostgresAdminStore;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.spi.Store;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.store.jdbc.PostgresStore;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A webhook's delivery log pages through more deliveries created at one instant than the admin API
 * read at once (one {@code publish(List)} of 10,000 events or more enqueues them all at one
 * instant; on PostgreSQL at the transaction's time). The pager read at most 10,000 rows of the
 * cursor's instant and went on with the older ones: every row of that instant past the first 10,000
 * was never shown, and a recovery of a window holding them requeued none of them. Each row must be
 * shown once, in the order of the one-page listing, on both stores; on a Store of the host's own
 * (which the admin API reads through the public query only) the log refuses with a 400 naming the
 * cursor instead of skipping.
 *
 * <p>The walks start two pages before the 10,000th row of the instant, from a cursor made here (a
 * keyset position: seconds, nanoseconds and id), so that each test pages a few times, not 50.
 */
class ManyDeliveriesAtOneInstantPagingTest {
  private static final String SCHEMA = "one_instant_paging";

  /** More than the 10,000 rows of one instant that the pager read at once. */
  private static final int TIES = 10_250;

  private static final int OLDER = 3;
  private static final int NEWER = 2;
  private static final int PAGE = 200;

  /** Where the walks start: after the row two pages before the instant's 10,000th. */
  private static final int START = NEWER + 10_000 - 2 * PAGE - 1;

  static SimpleConnectionPool ds;
  static PostgresStore pgStore;
  static AdminHarness onPg;
  static AdminHarness inMemory;
  static Webhook pgWebhook;
  static Webhook memWebhook;
  static Instant instant;

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
    onPg = new AdminHarness(PostgresAdminStore.create(ds, SCHEMA), s -> pgStore, r -> {}, b -> {});
    inMemory = new AdminHarness(new InMemoryAdminStore(), b -> {});
    memWebhook = inMemory.receiving(null, "mem");
    instant = fill(inMemory, inMemory.store, memWebhook, "t");
    pgWebhook = onPg.receiving(null, "pg");
    fillOnPostgres(pgWebhook, "t");
  }

  @AfterAll
  static void stop() throws IOException {
    onPg.close();
    inMemory.close();
    pgStore.close();
    ds.close();
  }

  private static String tie(String tag, int i) {
    return String.format("%s_tie_%05d", tag, i);
  }

  /**
   * The ids of a filled log newest first, as the one-page listing orders them (created_at, then id,
   * both descending).
   */
  private static List<String> newestFirst(String tag) {
    return newestFirst(tag, TIES);
  }

  private static List<String> newestFirst(String tag, int ties) {
    List<String> ids = new ArrayList<>();
    for (int i = NEWER - 1; i >= 0; i--) {
      ids.add(tag + "_new_" + i);
    }
    for (int i = ties - 1; i >= 0; i--) {
      ids.add(tie(tag, i));
    }
    for (int i = OLDER - 1; i >= 0; i--) {
      ids.add(tag + "_old_" + i);
    }
    return ids;
  }

  /**
   * Fills a webhook's log through the store: {@link #OLDER} deliveries a second apart, then {@link
   * #TIES} at one instant, then {@link #NEWER} a second apart; returns the instant.
   */
  private static Instant fill(AdminHarness h, Store store, Webhook w, String tag) {
    return fill(h, store, w, tag, TIES);
  }

  private static Instant fill(AdminHarness h, Store store, Webhook w, String tag, int ties) {
    Instant t = h.clock.instant();
    List<Delivery> batch = new ArrayList<>();
    for (int i = 0; i < OLDER; i++) {
      batch.add(pending(h, tag + "_old_" + i, w, t.minusSeconds(OLDER - i)));
    }
    for (int i = 0; i < NEWER; i++) {
      batch.add(pending(h, tag + "_new_" + i, w, t.plusSeconds(i + 1)));
    }
    store.enqueue(batch);
    for (int from = 0; from < ties; from += 1_000) {
      batch = new ArrayList<>();
      for (int i = from; i < Math.min(ties, from + 1_000); i++) {
        batch.add(pending(h, tie(tag, i), w, t));
      }
      assertEquals(batch.size(), store.enqueue(batch).size());
    }
    h.clock.advance(Duration.ofSeconds(NEWER + 1));
    return t;
  }

  private static Delivery pending(AdminHarness h, String id, Webhook w, Instant at) {
    return Delivery.pending(id, w.id(), h.event(UserEvents.CREATED, null), at);
  }

  /**
   * Fills the PostgreSQL log as {@link #fill} does, the ties copied in SQL from one delivery
   * enqueued through the store (and its event), which is then deleted: 10,000 enqueued one by one
   * took seconds.
   */
  private static void fillOnPostgres(Webhook w, String tag) throws SQLException {
    Instant t = onPg.clock.instant();
    List<Delivery> batch = new ArrayList<>();
    for (int i = 0; i < OLDER; i++) {
      batch.add(pending(onPg, tag + "_old_" + i, w, t.minusSeconds(OLDER - i)));
    }
    for (int i = 0; i < NEWER; i++) {
      batch.add(pending(onPg, tag + "_new_" + i, w, t.plusSeconds(i + 1)));
    }
    Delivery template = pending(onPg, "template", w, t);
    batch.add(template);
    pgStore.enqueue(batch);
    String s = SCHEMA;
    try (Connection c = ds.getConnection()) {
      String copyEvents =
          "INSERT INTO "
              + s
              + ".events SELECT (jsonb_populate_record(NULL::"
              + s
              + ".events, to_jsonb(e) || jsonb_build_object('id',"
              + " 'evt_' || ? || '_' || lpad(n::text, 5, '0')))).*"
              + " FROM "
              + s
              + ".events e, generate_series(0, ? - 1) n WHERE e.id = ?";
      try (PreparedStatement ps = c.prepareStatement(copyEvents)) {
        ps.setString(1, tag);
        ps.setInt(2, TIES);
        ps.setString(3, template.event().id());
        assertEquals(TIES, ps.executeUpdate());
      }
      String copyDeliveries =
          "INSERT INTO "
              + s
              + ".deliveries SELECT (jsonb_populate_record(NULL::"
              + s
              + ".deliveries, to_jsonb(d) || jsonb_build_object("
              + "'id', ? || '_tie_' || lpad(n::text, 5, '0'),"
              + " 'event_id', 'evt_' || ? || '_' || lpad(n::text, 5, '0')))).*"
              + " FROM "
              + s
              + ".deliveries d, generate_series(0, ? - 1) n WHERE d.id = 'template'";
      try (PreparedStatement ps = c.prepareStatement(copyDeliveries)) {
        ps.setString(1, tag);
        ps.setString(2, tag);
        ps.setInt(3, TIES);
        assertEquals(TIES, ps.executeUpdate());
      }
      try (Statement st = c.createStatement()) {
        assertEquals(1, st.executeUpdate("DELETE FROM " + s + ".deliveries WHERE id = 'template'"));
        st.execute("ANALYZE " + s + ".deliveries");
        st.execute("ANALYZE " + s + ".events");
      }
    }
  }

  /** A keyset position as the API writes it: seconds, nanoseconds and id, base64url. */
  private static String cursor(Instant at, String id) {
    String raw = at.getEpochSecond() + ":" + at.getNano() + ":" + id;
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  /** The ids of every page from the cursor on, and the answer that ended the walk. */
  private record Walk(List<String> seen, Http.Exchange last) {}

  private static Walk pageThrough(AdminHarness h, String url, String cursor) {
    List<String> seen = new ArrayList<>();
    for (int pages = 0; pages < 20; pages++) {
      Http.Exchange e = h.http.get(url + "&cursor=" + cursor, h.root);
      if (e.status() != 200) {
        return new Walk(seen, e);
      }
      JsonNode page = e.json();
      page.get("data").forEach(d -> seen.add(d.get("id").asText()));
      if (page.get("done").asBoolean()) {
        return new Walk(seen, e);
      }
      cursor = page.get("next_cursor").asText();
    }
    throw new AssertionError("no last page; " + seen.size() + " rows seen");
  }

  /** Walks from the row before {@link #START} to the end. */
  private static Walk walk(AdminHarness h, Webhook w, String filter) {
    String from = newestFirst("t").get(START - 1);
    String url = h.webhooks() + "/" + w.id() + "/deliveries?limit=" + PAGE + filter;
    return pageThrough(h, url, cursor(instant, from));
  }

  private static void assertEachOnceInOrder(Walk walk) {
    List<String> all = newestFirst("t");
    List<String> expected = all.subList(START, all.size());
    assertEquals(200, walk.last().status(), walk.last()::toString);
    List<String> seen = walk.seen();
    assertEquals(seen.size(), new HashSet<>(seen).size(), "rows shown twice");
    List<String> missing = new ArrayList<>(expected);
    missing.removeAll(new HashSet<>(seen));
    assertEquals(
        List.of(),
        missing.subList(0, Math.min(5, missing.size())),
        missing.size() + " rows never shown (the first five listed)");
    assertEquals(expected, seen, "not the one-page order");
  }

  @Test
  void theInMemoryLogShowsEachOfMoreThan10000DeliveriesOfOneInstantOnce() {
    assertEachOnceInOrder(walk(inMemory, memWebhook, ""));
  }

  @Test
  void thePostgresLogShowsEachOfMoreThan10000DeliveriesOfOneInstantOnce() {
    assertEachOnceInOrder(walk(onPg, pgWebhook, ""));
  }

  @Test
  void aStateFilteredLogPagesThroughTheInstantToo() {
    assertEachOnceInOrder(walk(onPg, pgWebhook, "&state=pending,failed"));
    assertEachOnceInOrder(walk(inMemory, memWebhook, "&state=pending,failed"));
  }

  /** The host's own Store: every call forwarded to an in-memory store, through a proxy. */
  private static Store forwarding(Store delegate) {
    return (Store)
        Proxy.newProxyInstance(
            Store.class.getClassLoader(),
            new Class<?>[] {Store.class},
            (proxy, method, args) -> {
              try {
                return method.invoke(delegate, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  @Test
  void onAHostsOwnStoreTheLogRefusesToPagePastWhatItCanReadInsteadOfSkipping() {
    AdminHarness h =
        new AdminHarness(
            new InMemoryAdminStore(),
            ManyDeliveriesAtOneInstantPagingTest::forwarding,
            r -> {},
            b -> {});
    try {
      Webhook w = h.receiving(null, "own");
      Instant t = fill(h, h.store, w, "t");
      String from = newestFirst("t").get(START - 1);
      Walk walk =
          pageThrough(
              h, h.webhooks() + "/" + w.id() + "/deliveries?limit=" + PAGE, cursor(t, from));
      assertEquals(400, walk.last().status(), walk.last()::toString);
      JsonNode error = walk.last().json().get("errors").get(0);
      assertEquals("cursor", error.get("field").asText(), walk.last()::toString);
      assertTrue(error.get("reason").asText().contains("one instant"), walk.last()::toString);
      List<String> all = newestFirst("t");
      assertEquals(
          all.subList(START, START + walk.seen().size()), walk.seen(), "a prefix, in order");
      assertTrue(walk.seen().size() >= PAGE, walk.seen().size() + " rows shown");
    } finally {
      h.close();
    }
  }

  @Test
  void onAHostsOwnStoreTheLogStillPagesThroughFewerRowsOfOneInstant() {
    // Read through the public query: the rows of the cursor's instant, then the older ones.
    AdminHarness h =
        new AdminHarness(
            new InMemoryAdminStore(),
            ManyDeliveriesAtOneInstantPagingTest::forwarding,
            r -> {},
            b -> {});
    try {
      Webhook w = h.receiving(null, "few");
      Instant t = fill(h, h.store, w, "t", 25);
      List<String> all = newestFirst("t", 25);
      String url = h.webhooks() + "/" + w.id() + "/deliveries?limit=4";
      Walk walk = pageThrough(h, url, cursor(t.plusSeconds(60), "~"));
      assertEquals(200, walk.last().status(), walk.last()::toString);
      assertEquals(all, walk.seen(), "every row once, in order");
      // After a position whose row does not exist: where that id would fall among the instant's.
      walk = pageThrough(h, url, cursor(t, tie("t", 12) + "x"));
      assertEquals(all.subList(all.indexOf(tie("t", 12)), all.size()), walk.seen());
    } finally {
      h.close();
    }
  }

  /** Fails every queued delivery in the store directly, not over 10,000 loopback exchanges. */
  private static void failAll(AdminHarness h) {
    Instant now = h.clock.instant();
    List<ClaimedDelivery> claimed = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      claimed.addAll(h.store.claim(ClaimRequest.of("test", now, Duration.ofMinutes(1), 10_000)));
    }
    assertEquals(OLDER + TIES + NEWER, claimed.size());
    for (ClaimedDelivery c : claimed) {
      Attempt failure = Attempt.response(1, now, Duration.ofMillis(5), 500, "down");
      assertTrue(h.store.fail(c.lease(), failure, now));
    }
  }

  @Test
  void aRecoveryOfTheInstantRequeuesEveryFailedDeliveryOfIt() {
    // The endpoint was down through the publish: every delivery of it failed.
    AdminHarness h = new AdminHarness();
    try {
      Webhook w = h.receiving(null, "recover");
      Instant t = fill(h, h.store, w, "t");
      failAll(h);
      Http.Exchange e =
          h.http.post(
              h.webhooks() + "/" + w.id() + "/recover",
              h.root,
              "{\"since\":\"" + t + "\",\"until\":\"" + t.plusMillis(1) + "\"}");
      assertEquals(202, e.status(), e::toString);
      assertEquals(TIES, e.json().get("redelivered").asInt(), e::toString);
    } finally {
      h.close();
    }
  }

  @Test
  void onAHostsOwnStoreSuchARecoveryIsRefusedBeforeAnythingIsRequeued() {
    AdminHarness h =
        new AdminHarness(
            new InMemoryAdminStore(),
            ManyDeliveriesAtOneInstantPagingTest::forwarding,
            r -> {},
            b -> {});
    try {
      Webhook w = h.receiving(null, "recover-own");
      Instant t = fill(h, h.store, w, "t");
      failAll(h);
      Http.Exchange e =
          h.http.post(
              h.webhooks() + "/" + w.id() + "/recover",
              h.root,
              "{\"since\":\"" + t + "\",\"until\":\"" + t.plusMillis(1) + "\"}");
      assertEquals(409, e.status(), e::toString);
      assertTrue(e.json().get("type").asText().endsWith("/too-many-at-one-instant"), e::toString);
      assertEquals(OLDER + TIES + NEWER, h.dispatcher.summary(w.id()).failed(), "nothing requeued");
    } finally {
      h.close();
    }
  }
}
