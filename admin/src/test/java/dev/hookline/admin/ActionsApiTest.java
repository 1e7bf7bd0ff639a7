package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hookline.Secret;
import dev.hookline.Webhook;
import dev.hookline.WebhookStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Enable, disable, verify, test, secret rotation, API key and summary over HTTP. */
class ActionsApiTest {
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

  private String path(String id, String action) {
    return h.webhooks() + "/" + id + "/" + action;
  }

  @Test
  void enableThenDisable() {
    String id = h.create(h.root, "toggle");
    Http.Exchange on = http.post(path(id, "enable"), h.root, null);
    assertEquals(200, on.status());
    assertTrue(on.json().get("enabled").asBoolean());
    assertEquals("\"" + on.json().get("version").asText() + "\"", on.header("ETag"));
    Http.Exchange off = http.post(path(id, "disable"), h.root, null);
    assertEquals(200, off.status());
    assertFalse(off.json().get("enabled").asBoolean());
    assertFalse(h.registry.require(id).enabled());
  }

  @Test
  void verifyRunsTheHandshakeAgainstTheEndpoint() {
    String id = h.create(h.root, "verify me");
    Http.Exchange e = http.post(path(id, "verify"), h.root, null);
    assertEquals(200, e.status(), e::toString);
    assertTrue(e.json().get("verified").asBoolean(), e::toString);
    assertEquals("VERIFIED", e.json().get("webhook").get("status").asText());
    assertEquals(WebhookStatus.VERIFIED, h.registry.require(id).status());
  }

  @Test
  void failedHandshakeIsReportedInTheBody() {
    Http.Exchange c =
        http.post(
            h.webhooks(),
            h.root,
            h.createBody("no listener")
                .replace(h.endpointUri, h.endpointUri.replace("/hook", "/nobody")));
    String id = c.json().get("id").asText();
    Http.Exchange e = http.post(path(id, "verify"), h.root, null);
    assertEquals(200, e.status());
    assertFalse(e.json().get("verified").asBoolean());
    assertFalse(e.json().get("detail").asText().isEmpty());
    assertEquals("PENDING_VERIFICATION", e.json().get("webhook").get("status").asText());
  }

  @Test
  void testNotificationIsQueuedForAReceivingWebhook() {
    Webhook w = h.receiving(null, "test me");
    Http.Exchange e = http.post(path(w.id(), "test"), h.root, null);
    assertEquals(202, e.status(), e::toString);
    String deliveryId = e.json().get("delivery_id").asText();
    assertEquals(
        "webhook.test", h.store.findDelivery(deliveryId).orElseThrow().event().type().wireName());
  }

  @Test
  void testNotificationToAWebhookThatDoesNotReceiveIs409() {
    String id = h.create(h.root, "not receiving");
    Http.Exchange e = http.post(path(id, "test"), h.root, null);
    assertEquals(409, e.status());
    assertTrue(e.json().get("type").asText().endsWith("/not-receiving"));
  }

  @Test
  void rotateShowsTheNewSigningSecretOnce() {
    Http.Exchange created = http.post(h.webhooks(), h.root, h.createBody("rotate"));
    String id = created.json().get("id").asText();
    String first = created.json().get("signing_secret").asText();
    Http.Exchange e = http.post(path(id, "signing-secret/rotate"), h.root, null);
    assertEquals(200, e.status(), e::toString);
    String second = e.json().get("signing_secret").asText();
    assertTrue(second.startsWith("whsec_"));
    assertNotEquals(first, second);
    assertFalse(e.json().get("webhook").has("signing_secret"));
    assertEquals(2, h.registry.require(id).signingSecrets().size(), "the old one overlaps");
    assertFalse(http.get(h.webhooks() + "/" + id, h.root).body().contains(second));
  }

  @Test
  void apiKeyIsSetButNeverShown() {
    String id = h.create(h.root, "api key");
    String key = "brand-new-api-key-0123456789";
    Http.Exchange e = http.post(path(id, "api-key"), h.root, "{\"api_key\":\"" + key + "\"}");
    assertEquals(200, e.status(), e::toString);
    assertFalse(e.body().contains(key));
    assertEquals(Secret.of(key), h.registry.require(id).apiKey());
  }

  @Test
  void badApiKeyIs400WithoutEchoingIt() {
    String id = h.create(h.root, "bad api key");
    Http.Exchange e = http.post(path(id, "api-key"), h.root, "{\"api_key\":\"tiny\"}");
    assertEquals(400, e.status());
    assertEquals("api_key", e.json().get("errors").get(0).get("field").asText());
    assertFalse(e.body().contains("tiny"));
    assertEquals(400, http.post(path(id, "api-key"), h.root, "{}").status());
    assertEquals(
        415, http.post(path(id, "api-key"), h.root, "{}", "Content-Type", "text/plain").status());
  }

  @Test
  void summaryCountsDeliveriesByState() {
    Webhook w = h.receiving("summary", "summary");
    h.deliver("summary", 2, 200);
    h.deliver("summary", 1, 500);
    Http.Exchange e = http.get(path(w.id(), "summary"), h.root);
    assertEquals(200, e.status());
    JsonNode s = e.json();
    assertEquals(3, s.get("total").asLong());
    assertEquals(2, s.get("succeeded").asLong());
    assertEquals(1, s.get("failed").asLong());
    assertEquals(0, s.get("pending").asLong());
  }

  @Test
  void actionsOnAMissingWebhookAre404() {
    for (String action :
        new String[] {"enable", "disable", "verify", "test", "signing-secret/rotate"}) {
      assertEquals(404, http.post(path("wh_missing", action), h.root, null).status(), action);
    }
    assertEquals(404, http.get(path("wh_missing", "summary"), h.root).status());
    assertEquals(405, http.get(path("wh_missing", "enable"), h.root).status());
  }
}
