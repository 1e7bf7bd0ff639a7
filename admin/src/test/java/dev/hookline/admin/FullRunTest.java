package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import dev.hookline.DeliveryQuery;
import dev.hookline.SigningSecret;
import dev.hookline.Webhook;
import dev.hookline.admin.store.InMemoryAdminStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One run through every endpoint and every error status, recorded; then two checks of everything
 * recorded: no secret leaks, and every response matches the shipped OpenAPI document.
 */
class FullRunTest {
  static AdminHarness h;
  static final List<String> apiKeys = new ArrayList<>();
  static final Map<String, Http.Exchange> secretShownBy = new HashMap<>();
  static final List<String> tokens = new ArrayList<>();

  @BeforeAll
  static void run() {
    h =
        new AdminHarness(
            new InMemoryAdminStore(),
            b ->
                b.authFailureLimit(4, Duration.ofMinutes(1))
                    // two: one test event and one redelivery go through, the second redelivery is
                    // 429
                    .redeliveryLimit(2, Duration.ofMinutes(1)));
    Http http = h.http;
    tokens.add(h.root);
    String base = h.base();
    Http.Exchange tokenMade =
        http.post(
            base + "/tokens",
            h.root,
            "{\"name\":\"run\",\"tenant\":\"run\",\"scopes\":[\"webhooks:read\",\"webhooks:write\",\"deliveries:read\",\"deliveries:redeliver\",\"tokens:admin\"]}");
    String t = tokenMade.json().get("token").asText();
    tokens.add(t);
    String tokenId = tokenMade.json().get("id").asText();
    secretShownBy.put(t, tokenMade);

    apiKeys.add(AdminHarness.API_KEY);
    Http.Exchange created =
        http.post(h.webhooks(), t, h.createBody("run"), "Idempotency-Key", "run-1");
    String id = created.json().get("id").asText();
    secretShownBy.put(created.json().get("signing_secret").asText(), created);
    http.post(h.webhooks(), t, h.createBody("run"), "Idempotency-Key", "run-1"); // replay
    http.get(h.webhooks(), t);
    http.get(h.webhooks() + "?enabled=false&limit=1", t);
    http.get(h.webhooks() + "/" + id, t);
    String key2 = "second-api-key-0123456789abcdef";
    apiKeys.add(key2);
    http.patch(
        h.webhooks() + "/" + id,
        t,
        "{\"description\":\"changed\",\"api_key\":\"" + key2 + "\"}",
        "If-Match",
        "\"1\"");
    http.post(h.webhooks() + "/" + id + "/verify", t, null);
    http.post(h.webhooks() + "/" + id + "/disable", t, null);
    http.post(h.webhooks() + "/" + id + "/enable", t, null);
    http.post(h.webhooks() + "/" + id + "/test", t, null);
    Http.Exchange rotated = http.post(h.webhooks() + "/" + id + "/signing-secret/rotate", t, null);
    secretShownBy.put(rotated.json().get("signing_secret").asText(), rotated);
    String key3 = "third-api-key-0123456789abcdefgh";
    apiKeys.add(key3);
    http.post(h.webhooks() + "/" + id + "/api-key", t, "{\"api_key\":\"" + key3 + "\"}");
    h.endpointStatus.set(500);
    h.dispatcher.publish(h.event(dev.hookline.UserEvents.CREATED, "run"));
    h.dispatcher.runDueNow();
    http.get(h.webhooks() + "/" + id + "/summary", t);
    http.get(h.webhooks() + "/" + id + "/deliveries?limit=1", t);
    http.get(h.webhooks() + "/" + id + "/deliveries?state=FAILED&type=user.created", t);
    String deliveryId =
        h.store
            .findDeliveries(
                DeliveryQuery.builder()
                    .webhook(id)
                    .states(dev.hookline.DeliveryState.FAILED)
                    .build())
            .get(0)
            .id();
    http.get(h.webhooks() + "/" + id + "/deliveries/" + deliveryId, t);
    http.post(h.webhooks() + "/" + id + "/deliveries/" + deliveryId + "/redeliver", t, null);
    http.post(h.webhooks() + "/" + id + "/deliveries/" + deliveryId + "/redeliver", t, null); // 429
    h.dispatcher.runDueNow();
    http.post(h.webhooks() + "/" + id + "/recover", t, "{\"since\":\"2026-01-01T00:00:00Z\"}");
    http.post(
        h.webhooks() + "/" + id + "/recover",
        t,
        "{\"since\":\"2026-01-01T00:00:00Z\",\"until\":\"2027-01-01T00:00:00Z\"}");
    http.get(base + "/event-types", t);
    http.get(base + "/tokens?limit=1", t);
    http.get(base + "/tokens/" + tokenId, t);
    http.get(base + "/audit-log?limit=2", t);
    http.get(base + "/me", t);
    http.get(base + "/openapi.json", null);

    // the errors
    http.post(h.webhooks(), t, "{\"name\":\"\"}"); // 400
    http.post(h.webhooks(), t, h.createBody("other"), "Idempotency-Key", "run-1"); // 409
    http.patch(h.webhooks() + "/" + id, t, "{\"name\":\"x\"}", "If-Match", "\"1\""); // 412
    http.patch(h.webhooks() + "/" + id, t, "{}", "Content-Type", "application/json"); // 415
    http.post(h.webhooks(), t, "{\"name\":\"" + "x".repeat(70_000) + "\"}"); // 413
    http.get(h.webhooks() + "/wh_missing", t); // 404
    String reader = h.token("run", Scope.WEBHOOKS_READ);
    tokens.add(reader);
    http.post(h.webhooks(), reader, h.createBody("no")); // 403
    http.post(h.webhooks() + "/wh_missing/test", t, null); // 404
    http.delete(h.webhooks() + "/" + id, t);
    http.delete(base + "/tokens/" + tokenId, h.root);
    for (int i = 0; i < 5; i++) {
      http.get(h.webhooks(), "hkl_wrong" + i); // 401 x4, then 429
    }
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  @Test
  void theRunCoversEveryErrorStatus() {
    Set<Integer> statuses = new TreeSet<>();
    h.http.recorded.forEach(e -> statuses.add(e.status()));
    assertTrue(
        statuses.containsAll(
            List.of(200, 201, 202, 204, 400, 401, 403, 404, 409, 412, 413, 415, 429)),
        statuses::toString);
  }

  @Test
  void noResponseEverShowsAnApiKeyATokenOrASigningSecretOutsideCreateAndRotate() {
    Set<String> secrets = new HashSet<>();
    secrets.addAll(apiKeys);
    secrets.addAll(tokens);
    secrets.addAll(secretShownBy.keySet());
    for (Webhook w : h.registry.list()) {
      for (SigningSecret s : w.signingSecrets()) {
        secrets.add(s.secret().reveal());
      }
    }
    assertTrue(h.http.recorded.size() > 40, "a full run was recorded");
    int replays = 0;
    for (Http.Exchange e : h.http.recorded) {
      String seen = e.headers().toString() + "\n" + e.body();
      for (String secret : secrets) {
        if (!seen.contains(secret)) {
          continue;
        }
        Http.Exchange allowed = secretShownBy.get(secret);
        boolean replay =
            allowed != null
                && !e.equals(allowed)
                && e.status() == 201
                && e.body().equals(allowed.body());
        replays += replay ? 1 : 0;
        assertTrue(
            e.equals(allowed) || replay,
            () -> "a secret appears in " + e.method() + " " + e.path() + " -> " + e.status());
      }
    }
    assertEquals(1, replays, "only the idempotent replay of the create shows its secret again");
  }

  @Test
  void everyResponseMatchesTheOpenApiDocument() throws Exception {
    JsonNode doc;
    try (var in = getClass().getResourceAsStream("/dev/hookline/admin/openapi.json")) {
      doc = Http.JSON.readTree(in);
    }
    assertEquals("3.1.0", doc.get("openapi").asText());
    SchemaRegistry registry =
        SchemaRegistry.withDefaultDialect(
            SpecificationVersion.DRAFT_2020_12,
            b ->
                b.schemaRegistryConfig(
                    SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));
    Map<String, Schema> schemas = new HashMap<>();
    Set<String> exercised = new HashSet<>();
    int checked = 0;
    for (Http.Exchange e : h.http.recorded) {
      String path = e.path().substring(h.base().length()).replaceAll("\\?.*", "");
      String template = template(doc.get("paths"), path);
      assertNotNull(template, () -> "undocumented path " + path);
      JsonNode op =
          doc.get("paths").get(template).get(e.method().toLowerCase(java.util.Locale.ROOT));
      assertNotNull(op, () -> "undocumented method " + e.method() + " " + template);
      JsonNode documented = op.get("responses").get(Integer.toString(e.status()));
      assertNotNull(
          documented,
          () -> "undocumented status " + e.status() + " of " + e.method() + " " + template);
      JsonNode response =
          documented.has("$ref")
              ? doc.at(documented.get("$ref").asText().substring(1)) // "#/components/responses/X"
              : documented;
      assertFalse(response.isMissingNode(), () -> "unresolved " + documented);
      if (e.status() < 300) {
        exercised.add(e.method() + " " + template);
      }
      JsonNode content = response.get("content");
      if (!e.body().isEmpty()) { // JSON a browser must not sniff into something else
        assertEquals("nosniff", e.header("X-Content-Type-Options"), e::toString);
      }
      if (content == null) {
        assertEquals("", e.body(), "a response documented without content has none");
        continue;
      }
      String type = e.contentType().replaceAll(";.*", "").trim();
      JsonNode media = content.get(type);
      assertNotNull(media, () -> "undocumented content type " + type + " of " + e);
      JsonNode schemaNode = media.get("schema");
      String key = schemaNode.toString();
      Schema schema =
          schemas.computeIfAbsent(
              key,
              k -> {
                ObjectNode wrapper = Http.JSON.createObjectNode();
                wrapper.setAll((ObjectNode) schemaNode.deepCopy());
                wrapper.set("components", doc.get("components"));
                return registry.getSchema(wrapper);
              });
      List<Error> errors = schema.validate(e.json());
      assertEquals(List.of(), errors.stream().map(Error::toString).toList(), e::toString);
      checked++;
    }
    assertTrue(checked > 30, "checked " + checked);
    Set<String> documented = new TreeSet<>();
    for (Map.Entry<String, JsonNode> p : doc.get("paths").properties()) {
      for (String m : List.of("get", "post", "patch", "delete")) {
        if (p.getValue().has(m)) {
          documented.add(m.toUpperCase(java.util.Locale.ROOT) + " " + p.getKey());
        }
      }
    }
    documented.removeAll(exercised);
    assertEquals(Set.of(), documented, "every documented operation was exercised with success");
  }

  /** The document's path template that matches a concrete path, or null. */
  private static String template(JsonNode paths, String path) {
    for (Iterator<String> it = paths.fieldNames(); it.hasNext(); ) {
      String t = it.next();
      String regex = Pattern.quote(t).replaceAll("\\{[^}]+}", "\\\\E[^/]+\\\\Q");
      if (path.matches(regex)) {
        return t;
      }
    }
    return null;
  }
}
