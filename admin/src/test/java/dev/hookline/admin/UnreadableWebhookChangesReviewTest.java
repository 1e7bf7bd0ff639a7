package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hookline.Webhook;
import dev.hookline.admin.store.PostgresAdminStore;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.store.jdbc.PostgresStore;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.io.IOException;
import java.io.InputStream;
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
 * Review round 7: over PostgreSQL, a webhook whose stored secret fails authentication (a row edited
 * by hand, a bit flip) could not be deleted through the admin API: {@code DELETE} read the webhook,
 * with its secrets, to check who may see it, and answered 500, so an operator could not remove the
 * corrupt row through the product. Reading it ({@code GET}), changing it ({@code PATCH}) and its
 * state changes answered 500 too. The delete now works without its secrets, for the host and for
 * the webhook's own tenant, and is audited; the rest answer 409 naming no secret; another tenant
 * still sees a 404; a decryption key missing from the configuration is still a 500 except for the
 * delete.
 */
class UnreadableWebhookChangesReviewTest {
  static final String SCHEMA = "unreadable_changes";
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
            .schema(SCHEMA)
            .secretCipher(AesGcmSecretCipher.builder().primaryKey("test-1", key).build())
            .build();
    h = new AdminHarness(PostgresAdminStore.create(ds, SCHEMA), s -> store, r -> {}, b -> {});
    // The first request of a run loads the HTTP client and the API: a cost of the set-up.
    assertEquals(200, h.http.get(h.webhooks(), h.root).status());
  }

  @AfterAll
  static void stop() throws IOException {
    h.close();
    store.close();
    ds.close();
  }

  private static String apiKeyColumn(String id) throws SQLException {
    try (Connection c = ds.getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT api_key_enc FROM " + SCHEMA + ".webhooks WHERE id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  private static void setApiKeyColumn(String id, String value) throws SQLException {
    try (Connection c = ds.getConnection();
        PreparedStatement ps =
            c.prepareStatement("UPDATE " + SCHEMA + ".webhooks SET api_key_enc = ? WHERE id = ?")) {
      ps.setString(1, value);
      ps.setString(2, id);
      assertEquals(1, ps.executeUpdate());
    }
  }

  /** Changes one base64url character of the stored API key: it fails authentication. */
  private static String corrupt(String id) throws SQLException {
    String value = apiKeyColumn(id);
    int at = value.length() - 20;
    String flipped =
        value.substring(0, at) + (value.charAt(at) == 'A' ? 'B' : 'A') + value.substring(at + 1);
    setApiKeyColumn(id, flipped);
    return flipped;
  }

  private static JsonNode audit(String token) {
    Http.Exchange e = h.http.get(h.base() + "/audit-log", token);
    assertEquals(200, e.status(), e::toString);
    return e.json().get("data");
  }

  private static List<String> deletes(JsonNode audit, String id) {
    List<String> out = new ArrayList<>();
    for (JsonNode entry : audit) {
      if (entry.get("target").asText().equals(id)
          && entry.get("action").asText().equals("webhook.delete")) {
        out.add(entry.has("tenant") ? entry.get("tenant").asText() : "-");
      }
    }
    return out;
  }

  private static void assertNamesNoSecret(Http.Exchange e, String stored) {
    assertFalse(e.body().contains(AdminHarness.API_KEY), e::toString);
    assertFalse(e.body().contains("whsec_"), e::toString);
    assertFalse(e.body().contains(stored.substring(stored.lastIndexOf(':') + 1)), e::toString);
  }

  @Test
  void theHostDeletesAnUnreadableWebhookAndTheDeleteIsAudited() throws SQLException {
    Webhook w = h.webhook("acme", "corrupt, deleted by the host");
    corrupt(w.id());

    Http.Exchange deleted = h.http.delete(h.webhooks() + "/" + w.id(), h.root);
    assertEquals(204, deleted.status(), deleted::toString);
    assertEquals(null, apiKeyColumn(w.id()), "the row is gone");
    assertEquals(404, h.http.get(h.webhooks() + "/" + w.id(), h.root).status());
    assertEquals(List.of("acme"), deletes(audit(h.root), w.id()), "audited, under its tenant");
    assertEquals(
        List.of("acme"), deletes(audit(h.tenantToken("acme")), w.id()), "the tenant sees it");
  }

  @Test
  void theWebhooksTenantDeletesItAnotherTenantSeesNoWebhook() throws SQLException {
    Webhook w = h.webhook("globex", "corrupt, deleted by its tenant");
    String stored = corrupt(w.id());

    Http.Exchange other = h.http.delete(h.webhooks() + "/" + w.id(), h.tenantToken("initech"));
    assertEquals(404, other.status(), other::toString);
    assertNamesNoSecret(other, stored);
    Http.Exchange otherGet = h.http.get(h.webhooks() + "/" + w.id(), h.tenantToken("initech"));
    assertEquals(404, otherGet.status(), otherGet::toString);
    assertEquals(stored, apiKeyColumn(w.id()), "another tenant deleted nothing");

    String token = h.tenantToken("globex");
    Http.Exchange deleted = h.http.delete(h.webhooks() + "/" + w.id(), token);
    assertEquals(204, deleted.status(), deleted::toString);
    assertEquals(null, apiKeyColumn(w.id()), "the row is gone");
    assertEquals(List.of("globex"), deletes(audit(token), w.id()));
  }

  @Test
  void aDeleteWithAVersionInIfMatchIs409ItsVersionCannotBeReadWithStarItDeletes()
      throws SQLException {
    Webhook w = h.webhook("umbrella", "corrupt, deleted under If-Match");
    String stored = corrupt(w.id());
    String path = h.webhooks() + "/" + w.id();

    Http.Exchange versioned = h.http.send("DELETE", path, h.root, null, "If-Match", "\"1\"");
    assertEquals(409, versioned.status(), versioned::toString);
    assertEquals(
        "https://hookline.dev/problems/webhook-unreadable",
        versioned.json().get("type").asText(),
        versioned::toString);
    assertNamesNoSecret(versioned, stored);
    assertEquals(stored, apiKeyColumn(w.id()), "nothing was deleted");

    Http.Exchange star = h.http.send("DELETE", path, h.root, null, "If-Match", "*");
    assertEquals(204, star.status(), star::toString);
    assertEquals(null, apiKeyColumn(w.id()), "the row is gone");
  }

  @Test
  void readingOrChangingAnUnreadableWebhookIsA409NamingNoSecret() throws SQLException {
    Webhook w = h.webhook("hooli", "corrupt, read and changed");
    String stored = corrupt(w.id());
    String path = h.webhooks() + "/" + w.id();
    String token = h.tenantToken("hooli");

    List<Http.Exchange> answers = new ArrayList<>();
    answers.add(h.http.get(path, h.root));
    answers.add(h.http.get(path, token));
    answers.add(h.http.patch(path, h.root, "{\"name\":\"renamed\"}", "Content-Type", MERGE_PATCH));
    answers.add(h.http.post(path + "/enable", h.root, null));
    answers.add(h.http.post(path + "/disable", token, null));
    for (Http.Exchange e : answers) {
      assertEquals(409, e.status(), e::toString);
      assertEquals(
          "https://hookline.dev/problems/webhook-unreadable",
          e.json().get("type").asText(),
          e::toString);
      assertTrue(e.json().get("detail").asText().contains(w.id()), e::toString);
      assertNamesNoSecret(e, stored);
    }
    assertEquals(stored, apiKeyColumn(w.id()), "nothing was written");
  }

  @Test
  void the409IsDocumented() throws IOException {
    try (InputStream in = getClass().getResourceAsStream("/dev/hookline/admin/openapi.json")) {
      JsonNode item = Http.JSON.readTree(in).get("paths").get("/webhooks/{id}");
      assertTrue(item.get("get").get("responses").has("409"), "documented for GET");
      assertTrue(item.get("patch").get("responses").has("409"), "documented for PATCH");
    }
  }

  /** A decryption key missing from the configuration fails loudly, but the delete needs none. */
  @Test
  void underAKeyIdTheCipherLacksReadsAre500AndTheDeleteWorks() throws SQLException {
    Webhook w = h.webhook("umbrella", "under a retired key");
    String stored = apiKeyColumn(w.id());
    String unknown = stored.replace("v2:test-1:", "v2:retired-9:");
    setApiKeyColumn(w.id(), unknown);
    String path = h.webhooks() + "/" + w.id();

    Http.Exchange read = h.http.get(path, h.root);
    assertEquals(500, read.status(), read::toString);
    assertNamesNoSecret(read, unknown);
    Http.Exchange deleted = h.http.delete(path, h.tenantToken("umbrella"));
    assertEquals(204, deleted.status(), deleted::toString);
    assertEquals(null, apiKeyColumn(w.id()), "the row is gone");
  }

  private static final String MERGE_PATCH = "application/merge-patch+json";
}
