package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A {@code PATCH} that changes nothing stores nothing: the version and the ETag stay, so a client
 * holding the ETag can still write with it. It is still audited, with no changed field, as an
 * enable of an enabled webhook is.
 */
class UnchangedPatchTest {
  static AdminHarness h;

  @BeforeAll
  static void start() {
    h = new AdminHarness();
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static Http.Exchange patch(String id, String body, String... headers) {
    return h.http.patch(h.webhooks() + "/" + id, h.root, body, headers);
  }

  /** The audit entries of a webhook's updates, as their changed-field lists, oldest first. */
  private static List<List<String>> updatesAudited(String id) {
    Http.Exchange log = h.http.get(h.base() + "/audit-log?limit=200", h.root);
    assertEquals(200, log.status(), log::toString);
    List<List<String>> out = new ArrayList<>();
    for (JsonNode e : log.json().get("data")) {
      if (e.get("target").asText().equals(id)
          && e.get("action").asText().equals("webhook.update")) {
        List<String> fields = new ArrayList<>();
        e.get("changed_fields").forEach(f -> fields.add(f.asText()));
        out.add(0, fields);
      }
    }
    return out;
  }

  @Test
  void aPatchRepeatingTheStoredValuesKeepsTheVersionAndETag() {
    String id = h.create(h.root, "same");
    String same =
        "{\"name\":\"  same \",\"description\":\"d\",\"uri\":\""
            + h.endpointUri
            + "\",\"subscribed_events\":[\"User deleted\",\"user.created\"],\"filter\":null,"
            + "\"format\":\"STANDARD_WEBHOOKS\",\"audience\":null}";
    for (String body : new String[] {same, "{}", "{\"name\":\"same\"}"}) {
      Http.Exchange e = patch(id, body, "If-Match", "\"1\"");
      assertEquals(200, e.status(), e::toString);
      assertEquals("\"1\"", e.header("ETag"), body);
      assertEquals(1, e.json().get("version").asLong(), body);
      assertEquals(1, h.registry.require(id).version(), body);
    }
    assertEquals(List.of(List.of(), List.of(), List.of()), updatesAudited(id));

    // The ETag read before the no-op patches still writes.
    Http.Exchange renamed = patch(id, "{\"name\":\"renamed\"}", "If-Match", "\"1\"");
    assertEquals(200, renamed.status(), renamed::toString);
    assertEquals("\"2\"", renamed.header("ETag"));
    assertEquals(List.of("name"), updatesAudited(id).get(3));
  }

  @Test
  void anUnchangedPatchOfAVerifiedWebhookKeepsItsStateAndVersion() {
    String id = h.receiving(null, "receiving").id();
    long version = h.registry.require(id).version();
    Http.Exchange e = patch(id, "{\"uri\":\"" + h.endpointUri + "\"}");
    assertEquals(200, e.status(), e::toString);
    assertEquals("\"" + version + "\"", e.header("ETag"));
    assertEquals("VERIFIED", e.json().get("status").asText());
    assertEquals(version, h.registry.require(id).version());
  }

  @Test
  void aStaleIfMatchIsStill412WhenThePatchChangesNothing() {
    String id = h.create(h.root, "stale");
    assertEquals(200, patch(id, "{\"name\":\"fresh\"}").status());
    Http.Exchange e = patch(id, "{\"name\":\"fresh\"}", "If-Match", "\"1\"");
    assertEquals(412, e.status(), e::toString);
  }

  @Test
  void anApiKeyInThePatchIsAlwaysWritten() {
    // Otherwise the ETag would tell a webhooks:write token whether a guessed API key is the
    // stored one, which no answer may reveal: the key is write-only.
    String id = h.create(h.root, "key");
    Http.Exchange e = patch(id, "{\"api_key\":\"" + AdminHarness.API_KEY + "\"}");
    assertEquals(200, e.status(), e::toString);
    assertEquals("\"2\"", e.header("ETag"));
    // Audited as written, as another key is: an empty list told the audit log's readers the same.
    assertEquals(List.of(List.of("api_key")), updatesAudited(id));
  }
}
