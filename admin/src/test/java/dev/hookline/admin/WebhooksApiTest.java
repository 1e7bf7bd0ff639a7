package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hookline.Webhook;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Creating, reading, listing, changing and deleting webhooks over HTTP. */
class WebhooksApiTest {
  static AdminHarness h;
  static Http http;

  @BeforeAll
  static void start() {
    h = new AdminHarness();
    http = h.http;
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static Set<String> fields(JsonNode errors) {
    Set<String> out = new HashSet<>();
    errors.forEach(e -> out.add(e.get("field").asText()));
    return out;
  }

  @Test
  void createAcceptsMosaicsFieldsAndShowsTheSigningSecretOnce() {
    Http.Exchange e = http.post(h.webhooks(), h.root, h.createBody("CRM sync"));
    assertEquals(201, e.status(), e::toString);
    JsonNode w = e.json();
    assertEquals("CRM sync", w.get("name").asText());
    assertEquals("d", w.get("description").asText());
    assertEquals(h.endpointUri, w.get("uri").asText());
    assertEquals("PENDING_VERIFICATION", w.get("status").asText());
    assertFalse(w.get("enabled").asBoolean());
    assertEquals(1, w.get("version").asLong());
    assertTrue(w.get("signing_secret").asText().startsWith("whsec_"));
    assertFalse(w.has("api_key"), "the API key is write-only");
    assertEquals("\"1\"", e.header("ETag"));
    assertEquals(h.webhooks() + "/" + w.get("id").asText(), e.header("Location"));
    Http.Exchange read = http.get(h.webhooks() + "/" + w.get("id").asText(), h.root);
    assertEquals(200, read.status());
    assertFalse(read.json().has("signing_secret"));
    assertFalse(read.json().has("api_key"));
  }

  @Test
  void eventsMayBeGivenByDisplayName() {
    Http.Exchange e = http.post(h.webhooks(), h.root, h.createBody("display names"));
    JsonNode events = e.json().get("subscribed_events");
    List<String> names = new ArrayList<>();
    events.forEach(n -> names.add(n.asText()));
    assertEquals(Set.of("user.created", "user.deleted"), new HashSet<>(names));
  }

  @Test
  void validationListsEveryFieldWithReasonAndAllowedValues() {
    Http.Exchange e =
        http.post(
            h.webhooks(),
            h.root,
            "{\"name\":\"\",\"uri\":\"ftp://x\",\"api_key\":\"short\",\"subscribed_events\":[\"nope.event\"]}");
    assertEquals(400, e.status());
    assertEquals("application/problem+json", e.contentType());
    JsonNode p = e.json();
    assertEquals("https://hookline.dev/problems/validation", p.get("type").asText());
    assertEquals(400, p.get("status").asInt());
    assertEquals(
        Set.of("name", "uri", "api_key", "subscribed_events"),
        fields(p.get("errors")),
        p::toString);
    p.get("errors").forEach(v -> assertFalse(v.get("allowed").asText().isEmpty()));
    assertFalse(e.body().contains("short"), "the rejected API key is not echoed");
  }

  @Test
  void unknownAndMistypedFieldsAreValidationErrors() {
    Http.Exchange e =
        http.post(
            h.webhooks(),
            h.root,
            "{\"name\":5,\"colour\":\"red\",\"uri\":\""
                + h.endpointUri
                + "\",\"api_key\":\""
                + AdminHarness.API_KEY
                + "\",\"subscribed_events\":\"user.created\"}");
    assertEquals(400, e.status());
    assertEquals(Set.of("name", "colour", "subscribed_events"), fields(e.json().get("errors")));
  }

  @Test
  void malformedJsonIs400() {
    Http.Exchange e = http.post(h.webhooks(), h.root, "{not json");
    assertEquals(400, e.status());
    assertEquals("body", e.json().get("errors").get(0).get("field").asText());
    assertEquals(400, http.post(h.webhooks(), h.root, "[1,2]").status());
  }

  @Test
  void invalidFilterIsReportedAtTheFilterField() {
    String body = h.createBody("filtered").replace("}", ",\"filter\":\"data.x ==\"}");
    Http.Exchange e = http.post(h.webhooks(), h.root, body);
    assertEquals(400, e.status(), e::toString);
    assertTrue(fields(e.json().get("errors")).contains("filter"), e::toString);
  }

  @Test
  void createWithoutJsonContentTypeIs415() {
    Http.Exchange e =
        http.post(h.webhooks(), h.root, h.createBody("x"), "Content-Type", "text/plain");
    assertEquals(415, e.status());
    assertEquals(
        "https://hookline.dev/problems/unsupported-media-type", e.json().get("type").asText());
  }

  @Test
  void bodyOverTheLimitIs413() {
    String big = "{\"name\":\"" + "x".repeat(70 * 1024) + "\"}";
    Http.Exchange e = http.post(h.webhooks(), h.root, big);
    assertEquals(413, e.status());
    assertEquals("application/problem+json", e.contentType());
  }

  @Test
  void sameIdempotencyKeyAndBodyReplaysTheSameCreate() {
    String body = h.createBody("idempotent");
    Http.Exchange first = http.post(h.webhooks(), h.root, body, "Idempotency-Key", "k-1");
    Http.Exchange again = http.post(h.webhooks(), h.root, body, "Idempotency-Key", "k-1");
    assertEquals(201, first.status());
    assertEquals(201, again.status());
    assertEquals(first.json(), again.json());
    assertEquals("true", again.header("Idempotent-Replayed"));
    long named = h.registry.list().stream().filter(w -> w.name().equals("idempotent")).count();
    assertEquals(1, named, "one webhook made");
  }

  @Test
  void sameIdempotencyKeyWithAnotherBodyIs409() {
    http.post(h.webhooks(), h.root, h.createBody("key-a"), "Idempotency-Key", "k-2");
    Http.Exchange e =
        http.post(h.webhooks(), h.root, h.createBody("key-b"), "Idempotency-Key", "k-2");
    assertEquals(409, e.status());
    assertEquals(
        "https://hookline.dev/problems/idempotency-key-reused", e.json().get("type").asText());
  }

  @Test
  void listPagesWithACursorUntilDone() {
    String t = h.tenantToken("paging");
    Set<String> made = new HashSet<>();
    for (int i = 0; i < 7; i++) {
      made.add(h.create(t, "page " + i));
    }
    Set<String> seen = new HashSet<>();
    String cursor = null;
    int pages = 0;
    do {
      Http.Exchange e =
          http.get(h.webhooks() + "?limit=3" + (cursor == null ? "" : "&cursor=" + cursor), t);
      assertEquals(200, e.status());
      JsonNode page = e.json();
      assertTrue(page.get("data").size() <= 3);
      page.get("data").forEach(w -> assertTrue(seen.add(w.get("id").asText()), "no repeats"));
      cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
      assertEquals(cursor == null, page.get("done").asBoolean());
      pages++;
    } while (cursor != null);
    assertEquals(3, pages);
    assertEquals(made, seen);
  }

  @Test
  void listFiltersByStatusAndEnabled() {
    String t = h.tenantToken("filtering");
    Webhook a = h.receiving("filtering", "on");
    h.webhook("filtering", "off");
    Http.Exchange enabled = http.get(h.webhooks() + "?enabled=true", t);
    assertEquals(1, enabled.json().get("data").size());
    assertEquals(a.id(), enabled.json().get("data").get(0).get("id").asText());
    Http.Exchange pending = http.get(h.webhooks() + "?status=pending_verification", t);
    assertEquals(1, pending.json().get("data").size());
    assertEquals(400, http.get(h.webhooks() + "?status=SLEEPY", t).status());
    assertEquals(400, http.get(h.webhooks() + "?enabled=maybe", t).status());
    assertEquals(400, http.get(h.webhooks() + "?limit=0", t).status());
    assertEquals(400, http.get(h.webhooks() + "?limit=201", t).status());
    assertEquals(400, http.get(h.webhooks() + "?cursor=!!", t).status());
  }

  @Test
  void getUnknownWebhookIs404() {
    Http.Exchange e = http.get(h.webhooks() + "/wh_missing", h.root);
    assertEquals(404, e.status());
    assertEquals("https://hookline.dev/problems/not-found", e.json().get("type").asText());
  }

  @Test
  void patchIsAMergePatchThatBumpsTheVersion() {
    String id = h.create(h.root, "before");
    Http.Exchange e =
        http.patch(
            h.webhooks() + "/" + id,
            h.root,
            "{\"name\":\"after\",\"description\":null}",
            "If-Match",
            "\"1\"");
    assertEquals(200, e.status(), e::toString);
    assertEquals("after", e.json().get("name").asText());
    assertEquals("", e.json().get("description").asText());
    assertEquals(2, e.json().get("version").asLong());
    assertEquals("\"2\"", e.header("ETag"));
    assertEquals(2, e.json().get("subscribed_events").size(), "untouched fields stay");
  }

  @Test
  void patchWithAStaleIfMatchIs412AndChangesNothing() {
    String id = h.create(h.root, "stale");
    http.patch(h.webhooks() + "/" + id, h.root, "{\"name\":\"first\"}", "If-Match", "\"1\"");
    Http.Exchange e =
        http.patch(h.webhooks() + "/" + id, h.root, "{\"name\":\"second\"}", "If-Match", "\"1\"");
    assertEquals(412, e.status());
    assertTrue(e.json().get("type").asText().endsWith("/stale-version"));
    assertEquals("first", h.registry.require(id).name());
  }

  @Test
  void patchNeedsMergePatchContentType() {
    String id = h.create(h.root, "ctype");
    Http.Exchange e =
        http.patch(
            h.webhooks() + "/" + id,
            h.root,
            "{\"name\":\"x\"}",
            "Content-Type",
            "application/json");
    assertEquals(415, e.status());
    assertEquals("application/merge-patch+json", e.header("Accept-Patch"));
  }

  @Test
  void patchValidatesLikeCreateAndRefusesMovingTenants() {
    String id = h.create(h.root, "validate");
    Http.Exchange e =
        http.patch(
            h.webhooks() + "/" + id,
            h.root,
            "{\"uri\":\"not a uri\",\"tenant\":\"elsewhere\",\"name\":null}");
    assertEquals(400, e.status());
    assertEquals(Set.of("tenant", "name"), fields(e.json().get("errors")), e::toString);
    Http.Exchange uri =
        http.patch(h.webhooks() + "/" + id, h.root, "{\"uri\":\"not a uri\",\"api_key\":\"x\"}");
    assertEquals(Set.of("uri", "api_key"), fields(uri.json().get("errors")), uri::toString);
    assertEquals(1, h.registry.require(id).version());
  }

  @Test
  void patchWithAMalformedIfMatchIs400() {
    String id = h.create(h.root, "ifmatch");
    assertEquals(
        400, http.patch(h.webhooks() + "/" + id, h.root, "{}", "If-Match", "\"abc\"").status());
  }

  @Test
  void changingTheUriNeedsVerificationAgain() {
    Webhook w = h.receiving(null, "moves");
    Http.Exchange e =
        http.patch(h.webhooks() + "/" + w.id(), h.root, "{\"uri\":\"" + h.endpointUri + "?v=2\"}");
    assertEquals(200, e.status(), e::toString);
    assertEquals("PENDING_VERIFICATION", e.json().get("status").asText());
  }

  @Test
  void deleteIs204ThenTheWebhookIsGone() {
    String id = h.create(h.root, "doomed");
    Http.Exchange e = http.delete(h.webhooks() + "/" + id, h.root);
    assertEquals(204, e.status());
    assertEquals("", e.body());
    assertEquals(404, http.get(h.webhooks() + "/" + id, h.root).status());
    assertEquals(404, http.delete(h.webhooks() + "/" + id, h.root).status());
  }

  @Test
  void unknownRoutesAre404AndWrongMethods405() {
    assertEquals(404, http.get(h.base() + "/nothing-here", h.root).status());
    assertEquals(404, http.get(h.base(), h.root).status());
    Http.Exchange e = http.send("PUT", h.webhooks() + "/wh_x", h.root, "{}");
    assertEquals(405, e.status());
    assertNotNull(e.header("Allow"));
    assertEquals(405, http.send("DELETE", h.webhooks(), h.root, null).status());
  }

  @Test
  void eventTypesListWireAndDisplayNames() {
    Http.Exchange e = http.get(h.base() + "/event-types", h.root);
    assertEquals(200, e.status());
    boolean sawUnsupported = false;
    boolean sawCreated = false;
    for (JsonNode t : e.json().get("data")) {
      if (t.get("name").asText().equals("user.created")) {
        sawCreated = true;
        assertEquals("User created", t.get("display_name").asText());
        assertTrue(t.get("subscribable").asBoolean());
      }
      if (t.get("name").asText().equals("user.deletion_requested")) {
        sawUnsupported = !t.get("subscribable").asBoolean();
      }
    }
    assertTrue(sawCreated);
    assertTrue(sawUnsupported, "User requested deletion is listed as not subscribable");
    assertTrue(e.json().get("done").asBoolean());
  }

  @Test
  void openApiDocumentIsServedWithoutAToken() {
    Http.Exchange e = http.get(h.base() + "/openapi.json", null);
    assertEquals(200, e.status());
    assertEquals("3.1.0", e.json().get("openapi").asText());
    assertEquals(h.base(), e.json().get("servers").get(0).get("url").asText());
  }
}
