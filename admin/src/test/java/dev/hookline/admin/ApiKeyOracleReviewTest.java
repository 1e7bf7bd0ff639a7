package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The API key is write-only: no answer may tell whether a key sent is the stored one. {@code POST
 * /webhooks/{id}/api-key} with the stored key wrote nothing, so the version and ETag stayed where
 * another key moved them; a {@code PATCH} with the stored key was written, but audited with no
 * changed field where another key is audited as {@code api_key}. Either told a caller holding
 * {@code webhooks:write} (and, for the audit log, {@code tokens:admin}) whether a guessed key is
 * the stored one. Both now write and audit the key alike whatever it is.
 */
class ApiKeyOracleReviewTest {
  static AdminHarness h;

  @BeforeAll
  static void start() {
    h = new AdminHarness();
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  /** The changed-field lists audited for a webhook, oldest first. */
  private static List<List<String>> audited(String id, String action) {
    Http.Exchange log = h.http.get(h.base() + "/audit-log?limit=200", h.root);
    assertEquals(200, log.status(), log::toString);
    List<List<String>> out = new ArrayList<>();
    for (JsonNode e : log.json().get("data")) {
      if (e.get("target").asText().equals(id) && e.get("action").asText().equals(action)) {
        List<String> fields = new ArrayList<>();
        e.get("changed_fields").forEach(f -> fields.add(f.asText()));
        out.add(0, fields);
      }
    }
    return out;
  }

  private static final String OTHER_KEY = "a-guess-that-is-not-the-key-0123";

  @Test
  void theApiKeyActionMovesTheVersionWhateverTheKey() {
    String stored = h.create(h.root, "stored key");
    String other = h.create(h.root, "another key");
    String path = h.webhooks() + "/%s/api-key";
    Http.Exchange same =
        h.http.post(
            String.format(path, stored), h.root, "{\"api_key\":\"" + AdminHarness.API_KEY + "\"}");
    Http.Exchange changed =
        h.http.post(String.format(path, other), h.root, "{\"api_key\":\"" + OTHER_KEY + "\"}");
    assertEquals(200, same.status(), same::toString);
    assertEquals(200, changed.status(), changed::toString);
    assertEquals("\"2\"", changed.header("ETag"));
    assertEquals(changed.header("ETag"), same.header("ETag"), "the same answer for either key");
    assertEquals(
        changed.json().get("version").asLong(), same.json().get("version").asLong(), "version");
    assertEquals(2, h.registry.require(stored).version());
    assertEquals(
        audited(other, "webhook.api_key.set"), audited(stored, "webhook.api_key.set"), "audit");
  }

  @Test
  void aPatchOfTheApiKeyIsAuditedAlikeWhateverTheKey() {
    String stored = h.create(h.root, "patched stored key");
    String other = h.create(h.root, "patched another key");
    Http.Exchange same =
        h.http.patch(
            h.webhooks() + "/" + stored, h.root, "{\"api_key\":\"" + AdminHarness.API_KEY + "\"}");
    Http.Exchange changed =
        h.http.patch(h.webhooks() + "/" + other, h.root, "{\"api_key\":\"" + OTHER_KEY + "\"}");
    assertEquals(200, same.status(), same::toString);
    assertEquals(200, changed.status(), changed::toString);
    assertEquals(changed.header("ETag"), same.header("ETag"));
    assertEquals(List.of(List.of("api_key")), audited(other, "webhook.update"));
    assertEquals(List.of(List.of("api_key")), audited(stored, "webhook.update"));
  }
}
