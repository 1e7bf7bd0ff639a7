package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hookline.admin.store.PostgresAdminStore;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.store.jdbc.PostgresStore;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL refuses U+0000 in text (SQLState 22021). An id, cursor or name holding one reached the
 * database as given, so on PostgreSQL a missing webhook, delivery or token was a 500 (and an ERROR
 * with a stack trace in the host's log) where the in-memory stores answer 404, a bad cursor 400, a
 * bad token name 400. Any token with {@code webhooks:read} could provoke them at will.
 */
class PostgresNulCharacterTest {
  static SimpleConnectionPool ds;
  static PostgresStore store;
  static AdminHarness h;

  @BeforeAll
  static void start() throws IOException {
    ds = SimpleConnectionPool.of(SharedPostgres.database(), 8);
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) 7);
    store =
        PostgresStore.builder(ds)
            .schema("admin_nul")
            .secretCipher(AesGcmSecretCipher.builder().primaryKey("test-1", key).build())
            .build();
    h = new AdminHarness(PostgresAdminStore.create(ds, "admin_nul"), s -> store, r -> {}, b -> {});
  }

  @AfterAll
  static void stop() throws IOException {
    h.close();
    store.close();
    ds.close();
  }

  @Test
  void aNulCharacterIsAClientErrorNotAServerError() {
    String id = h.create(h.root, "nul");
    String w = h.webhooks() + "/" + id;
    List<String> wrong = new ArrayList<>();
    expect(wrong, h.http.get(h.webhooks() + "/%00", h.root), 404);
    expect(wrong, h.http.get(h.webhooks() + "/a%00b/summary", h.root), 404);
    expect(wrong, h.http.get(w + "/deliveries/%00", h.root), 404);
    expect(wrong, h.http.get(w + "/deliveries?event_id=%00", h.root), 200, 400);
    expect(wrong, h.http.get(h.base() + "/tokens/%00", h.root), 404);
    // "AA" is the base64url of one NUL character
    expect(wrong, h.http.get(h.base() + "/tokens?cursor=AA", h.root), 400);
    expect(
        wrong,
        h.http.post(
            h.base() + "/tokens",
            h.root,
            "{\"name\":\"ci\\u0000\",\"scopes\":[\"webhooks:read\"]}"),
        400);
    assertEquals(List.of(), wrong);
  }

  private static void expect(List<String> wrong, Http.Exchange e, Integer... statuses) {
    if (!Arrays.asList(statuses).contains(e.status())) {
      wrong.add(e.method() + " " + e.path() + " -> " + e.status());
    }
  }
}
