package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hookline.SecretCipherException;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Review round 7: over PostgreSQL, a tenant whose only webhook (or every webhook) has a stored
 * secret that fails authentication got 500 from its webhook list, while the cipher's key was right
 * (other tenants' webhooks under the same key read). The list leaves the row out, as it does when
 * the tenant has other webhooks; a wrong key (no row under its key id reads anywhere) still fails.
 */
class UnreadableOnlyWebhookListReviewTest {
  static final String SCHEMA = "unreadable_only";
  static SimpleConnectionPool ds;
  static PostgresStore store;
  static AdminHarness h;

  @BeforeAll
  static void start() throws IOException {
    ds = SimpleConnectionPool.of(SharedPostgres.database(), 8);
    store = store((byte) 7);
    h = new AdminHarness(PostgresAdminStore.create(ds, SCHEMA), s -> store, r -> {}, b -> {});
    // The first request of a run loads the HTTP client and the API: a cost of the set-up.
    assertEquals(200, h.http.get(h.webhooks(), h.root).status());
  }

  private static PostgresStore store(byte material) {
    byte[] key = new byte[32];
    Arrays.fill(key, material);
    return PostgresStore.builder(ds)
        .schema(SCHEMA)
        .secretCipher(AesGcmSecretCipher.builder().primaryKey("test-1", key).build())
        .build();
  }

  @AfterAll
  static void stop() throws IOException {
    h.close();
    store.close();
    ds.close();
  }

  /** Changes one base64url character of the webhook's stored API key: it fails authentication. */
  static void corruptApiKey(String id) throws SQLException {
    try (Connection c = ds.getConnection()) {
      String value;
      try (PreparedStatement ps =
          c.prepareStatement("SELECT api_key_enc FROM " + SCHEMA + ".webhooks WHERE id = ?")) {
        ps.setString(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          value = rs.getString(1);
        }
      }
      int at = value.length() - 20;
      setApiKey(
          id,
          value.substring(0, at) + (value.charAt(at) == 'A' ? 'B' : 'A') + value.substring(at + 1));
    }
  }

  static void setApiKey(String id, String value) throws SQLException {
    try (Connection c = ds.getConnection();
        PreparedStatement ps =
            c.prepareStatement("UPDATE " + SCHEMA + ".webhooks SET api_key_enc = ? WHERE id = ?")) {
      ps.setString(1, value);
      ps.setString(2, id);
      assertEquals(1, ps.executeUpdate());
    }
  }

  private static List<String> listed(String token) {
    Http.Exchange e = h.http.get(h.webhooks(), token);
    assertEquals(200, e.status(), e::toString);
    assertFalse(e.body().contains(AdminHarness.API_KEY), e::toString);
    List<String> ids = new ArrayList<>();
    for (JsonNode w : e.json().get("data")) {
      ids.add(w.get("id").asText());
    }
    return ids;
  }

  @Test
  void aTenantWhoseOnlyWebhookIsUnreadableGetsAnEmptyList() throws SQLException {
    Webhook other = h.webhook("readable-tenant", "fine");
    Webhook only = h.webhook("solo", "corrupt");
    corruptApiKey(only.id());

    assertEquals(List.of(), listed(h.tenantToken("solo")), "the tenant's list");
    List<String> all = listed(h.root);
    assertFalse(all.contains(only.id()), "the host's list leaves it out");
    assertEquals(true, all.contains(other.id()), "and shows the rest");
  }

  @Test
  void aTenantWhoseEveryWebhookIsUnreadableOrMalformedGetsAnEmptyList() throws SQLException {
    h.webhook("readable-tenant-2", "fine");
    Webhook a = h.webhook("all-bad", "a");
    Webhook b = h.webhook("all-bad", "b");
    corruptApiKey(a.id());
    setApiKey(b.id(), "not-a-ciphertext");

    assertEquals(List.of(), listed(h.tenantToken("all-bad")), "the tenant's list");
  }

  /** The cipher's key being right is shown by other rows; a wrong key still fails the list. */
  @Test
  void aWrongKeyStillFailsTheTenantsList() {
    h.webhook("wrong-key-tenant", "readable with the right key");
    try (PostgresStore wrong = store((byte) 9)) {
      assertThrows(SecretCipherException.class, () -> wrong.listWebhooks("wrong-key-tenant"));
      assertThrows(SecretCipherException.class, wrong::listWebhooks);
    }
  }
}
