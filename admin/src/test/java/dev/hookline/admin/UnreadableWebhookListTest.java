package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hookline.Webhook;
import dev.hookline.admin.store.PostgresAdminStore;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.store.jdbc.PostgresStore;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Review round 6: over PostgreSQL, one webhook whose stored secret fails authentication (a row
 * edited by hand, a bit flip) made the webhook list fail for the whole page, for the host and for
 * its tenant: every other webhook became invisible. The list now leaves that webhook out; asked for
 * by id, it is an error (a 409 since review round 7: UnreadableWebhookChangesReviewTest).
 */
class UnreadableWebhookListTest {
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
            .schema("unreadable_list")
            .secretCipher(AesGcmSecretCipher.builder().primaryKey("test-1", key).build())
            .build();
    h =
        new AdminHarness(
            PostgresAdminStore.create(ds, "unreadable_list"), s -> store, r -> {}, b -> {});
  }

  @AfterAll
  static void stop() throws IOException {
    h.close();
    store.close();
    ds.close();
  }

  /** Changes one base64url character of the webhook's stored API key: it fails authentication. */
  private static void corruptApiKey(String id) throws SQLException {
    try (Connection c = ds.getConnection()) {
      String value;
      try (PreparedStatement ps =
          c.prepareStatement("SELECT api_key_enc FROM unreadable_list.webhooks WHERE id = ?")) {
        ps.setString(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          value = rs.getString(1);
        }
      }
      int at = value.length() - 20;
      String flipped =
          value.substring(0, at) + (value.charAt(at) == 'A' ? 'B' : 'A') + value.substring(at + 1);
      try (PreparedStatement ps =
          c.prepareStatement("UPDATE unreadable_list.webhooks SET api_key_enc = ? WHERE id = ?")) {
        ps.setString(1, flipped);
        ps.setString(2, id);
        assertEquals(1, ps.executeUpdate());
      }
    }
  }

  private static List<String> listed(String token) {
    Http.Exchange e = h.http.get(h.webhooks(), token);
    assertEquals(200, e.status(), e::toString);
    List<String> ids = new ArrayList<>();
    for (JsonNode w : e.json().get("data")) {
      ids.add(w.get("id").asText());
    }
    return ids;
  }

  @Test
  void theListShowsTheOtherWebhooksAndTheUnreadableOneIsAnErrorById() throws SQLException {
    Webhook a = h.receiving("acme", "a");
    Webhook b = h.receiving("acme", "b");
    Webhook c = h.receiving("acme", "c");
    corruptApiKey(b.id());

    // Made at one instant, listed in the database's id order: compared as sets.
    assertEquals(Set.of(a.id(), c.id()), Set.copyOf(listed(h.root)), "the host's list");
    assertEquals(
        Set.of(a.id(), c.id()), Set.copyOf(listed(h.tenantToken("acme"))), "the tenant's list");

    Http.Exchange one = h.http.get(h.webhooks() + "/" + b.id(), h.root);
    assertEquals(409, one.status(), one::toString); // review round 7: it was a 500
    assertFalse(one.body().contains(AdminHarness.API_KEY), one::toString);
  }
}
