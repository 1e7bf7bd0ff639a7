package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code If-Match} as RFC 9110 13.1.1 defines it: {@code *} matches any current representation, and
 * a list matches if any of its entity-tags is the webhook's current version.
 */
class IfMatchListTest {
  static AdminHarness h;

  @BeforeAll
  static void start() {
    h = new AdminHarness();
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private Http.Exchange patch(String id, String name, String ifMatch) {
    return h.http.patch(
        h.webhooks() + "/" + id, h.root, "{\"name\":\"" + name + "\"}", "If-Match", ifMatch);
  }

  @Test
  void aStarMatchesTheCurrentVersion() {
    String id = h.create(h.root, "star");
    Http.Exchange e = patch(id, "starred", "*");
    assertEquals(200, e.status(), e::toString);
    assertEquals("starred", h.registry.require(id).name());
    assertEquals("\"2\"", e.header("ETag"));
    assertEquals(200, patch(id, "starred again", " * ").status());
  }

  @Test
  void aStarOnAMissingWebhookIs404() {
    assertEquals(404, patch("wh_missing", "x", "*").status());
  }

  @Test
  void aListMatchesWhenAnyEntryIsTheCurrentVersion() {
    String id = h.create(h.root, "list");
    Http.Exchange e = patch(id, "listed", "\"7\", \"1\"");
    assertEquals(200, e.status(), e::toString);
    assertEquals("listed", h.registry.require(id).name());
    assertEquals(200, patch(id, "listed again", "\"2\",\"9\"").status());
    assertEquals(200, patch(id, "weak and strong", "W/\"1\", \"3\"").status());
  }

  @Test
  void aListWithoutTheCurrentVersionIs412AndChangesNothing() {
    String id = h.create(h.root, "no match");
    Http.Exchange e = patch(id, "changed", "\"7\", \"8\"");
    assertEquals(412, e.status(), e::toString);
    assertEquals("https://hookline.dev/problems/stale-version", e.json().get("type").asText());
    assertEquals("no match", h.registry.require(id).name());
  }

  @Test
  void aMalformedListIs400() {
    String id = h.create(h.root, "malformed");
    for (String bad : new String[] {"\"1\", \"abc\"", " , ", "\"1\" \"2\"", "*, \"1\"", ""}) {
      Http.Exchange e = patch(id, "x", bad);
      assertEquals(400, e.status(), () -> bad + ": " + e);
      assertEquals("If-Match", e.json().get("errors").get(0).get("field").asText(), bad);
    }
    assertEquals("malformed", h.registry.require(id).name());
  }
}
