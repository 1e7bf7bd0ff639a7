package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code If-Match} as RFC 9110 13.1.1 defines it: {@code *} matches any current representation, and
 * a list matches if any of its entity-tags is the webhook's current version, however many header
 * lines it is split across.
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
  void aListSplitAcrossHeaderLinesIsReadWhole() {
    // RFC 9110 5.3: several If-Match lines are one list, as if joined with commas. Read only the
    // first line, the current version on the second was missed (412), and "*" on the first let
    // a malformed list through.
    String id = h.create(h.root, "split");
    Http.Exchange e =
        h.http.patch(
            h.webhooks() + "/" + id,
            h.root,
            "{\"name\":\"split once\"}",
            "If-Match",
            "\"7\"",
            "If-Match",
            "\"1\"");
    assertEquals(200, e.status(), e::toString);
    assertEquals("split once", h.registry.require(id).name());

    Http.Exchange firstLine =
        h.http.patch(
            h.webhooks() + "/" + id,
            h.root,
            "{\"name\":\"split twice\"}",
            "If-Match",
            "\"2\"",
            "If-Match",
            "\"9\"");
    assertEquals(200, firstLine.status(), firstLine::toString);
    Http.Exchange none =
        h.http.patch(
            h.webhooks() + "/" + id,
            h.root,
            "{\"name\":\"x\"}",
            "If-Match",
            "\"1\"",
            "If-Match",
            "\"2\"");
    assertEquals(412, none.status(), none::toString);

    Http.Exchange starInList =
        h.http.patch(
            h.webhooks() + "/" + id,
            h.root,
            "{\"name\":\"x\"}",
            "If-Match",
            "*",
            "If-Match",
            "\"3\"");
    assertEquals(400, starInList.status(), starInList::toString);
    assertEquals("If-Match", starInList.json().get("errors").get(0).get("field").asText());
    assertEquals("split twice", h.registry.require(id).name());
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
