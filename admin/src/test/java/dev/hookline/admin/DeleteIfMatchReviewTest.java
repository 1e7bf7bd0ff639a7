package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code DELETE /webhooks/{id}} evaluates {@code If-Match} as {@code PATCH} does (RFC 9110 13.1.1:
 * an origin server must evaluate it before performing the method): a client that deletes only the
 * version it looked at gets a 412 when someone changed the webhook since, and the webhook stays.
 * The API ignored the header and deleted whatever was there.
 */
class DeleteIfMatchReviewTest {
  static AdminHarness h;

  @BeforeAll
  static void start() {
    h = new AdminHarness();
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static Http.Exchange delete(String id, String... headers) {
    return h.http.send("DELETE", h.webhooks() + "/" + id, h.root, null, headers);
  }

  private static long deletesAudited(String id) {
    JsonNode log = h.http.get(h.base() + "/audit-log?limit=200", h.root).json();
    long n = 0;
    for (JsonNode e : log.get("data")) {
      if (e.get("target").asText().equals(id)
          && e.get("action").asText().equals("webhook.delete")) {
        n++;
      }
    }
    return n;
  }

  @Test
  void aStaleIfMatchIs412AndTheWebhookStays() {
    String id = h.create(h.root, "looked at");
    // Someone else changes it after this client read version 1.
    assertEquals(
        200,
        h.http.patch(h.webhooks() + "/" + id, h.root, "{\"description\":\"changed\"}").status());
    Http.Exchange e = delete(id, "If-Match", "\"1\"");
    assertEquals(412, e.status(), e::toString);
    assertTrue(e.json().get("type").asText().endsWith("/stale-version"), e::toString);
    assertTrue(h.registry.get(id).isPresent(), "the changed webhook is not deleted");
    assertEquals(0, deletesAudited(id));
  }

  @Test
  void theCurrentVersionOrStarDeletes() {
    String id = h.create(h.root, "current");
    Http.Exchange e = delete(id, "If-Match", "\"0\", W/\"1\"");
    assertEquals(204, e.status(), e::toString);
    assertTrue(h.registry.get(id).isEmpty());
    assertEquals(1, deletesAudited(id));

    String other = h.create(h.root, "star");
    assertEquals(204, delete(other, "If-Match", "*").status());
    assertTrue(h.registry.get(other).isEmpty());
  }

  @Test
  void aMalformedIfMatchIs400AndTheWebhookStays() {
    String id = h.create(h.root, "malformed");
    Http.Exchange e = delete(id, "If-Match", "\"abc\"");
    assertEquals(400, e.status(), e::toString);
    assertEquals("If-Match", e.json().get("errors").get(0).get("field").asText());
    assertTrue(h.registry.get(id).isPresent());
  }

  @Test
  void withoutIfMatchTheDeleteIsUnconditionalAsBefore() {
    String id = h.create(h.root, "plain");
    assertEquals(
        200, h.http.patch(h.webhooks() + "/" + id, h.root, "{\"description\":\"x\"}").status());
    assertEquals(204, delete(id).status());
    assertTrue(h.registry.get(id).isEmpty());
  }
}
