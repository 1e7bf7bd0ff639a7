package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A tenant's remembered {@code Idempotency-Key} answers must not be pushed out by another tenant.
 * The API remembers at most 10,000 answers for the whole process, oldest out first; tenant A,
 * staying far below its 100-webhook limit (create, then delete, 10,000 times), evicts tenant B's
 * remembered create, and B's retry of that create (a client that lost the first answer) makes a
 * second webhook: B's endpoint then gets every event twice.
 */
class IdempotencyTenantIsolationTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void anotherTenantsCreatesDoNotEvictATenantsRememberedCreate() {
    try (AdminHarness h = new AdminHarness()) {
      String tokenA = h.tenantToken("tenant-a");
      String tokenB = h.tenantToken("tenant-b");
      String bodyB = h.createBody("B's CRM sync");
      AdminResponse first = create(h, tokenB, "crm-sync-1", bodyB);
      assertEquals(201, first.status(), first::bodyText);
      String idB = json(first).get("id").asText();

      for (int i = 0; i < 10_000; i++) { // A never holds more than one webhook
        AdminResponse created = create(h, tokenA, "a-" + i, h.createBody("A " + i));
        assertEquals(201, created.status(), created::bodyText);
        AdminResponse deleted =
            h.api.handle(
                request("DELETE", h.webhooks() + "/" + json(created).get("id").asText(), tokenA)
                    .build());
        assertEquals(204, deleted.status(), deleted::bodyText);
      }

      AdminResponse retry = create(h, tokenB, "crm-sync-1", bodyB);
      assertEquals(
          idB,
          json(retry).get("id").asText(),
          "B's retry with the same key and body gets the webhook its first request made");
      assertEquals(1, h.registry.forTenant("tenant-b").list().size(), "B has one webhook");
    }
  }

  @Test
  void anotherTenantsCreatesSpreadOverManyTokensDoNotEvictATenantsRememberedCreate() {
    // As above, but A spreads its creates over tokens of its own (POST /tokens with tokens:admin
    // makes as many as it likes), each holding one remembered answer: no owner then holds more
    // than B, and the owner evicted among equals is whichever a HashMap lists first.
    try (AdminHarness h = new AdminHarness()) {
      String tokenB = h.tenantToken("tenant-b");
      String bodyB = h.createBody("B's CRM sync");
      AdminResponse first = create(h, tokenB, "crm-sync-1", bodyB);
      assertEquals(201, first.status(), first::bodyText);
      String idB = json(first).get("id").asText();

      for (int i = 0; i < 30_000; i++) {
        String tokenA = h.tenantToken("tenant-a");
        AdminResponse created = create(h, tokenA, "a-" + i, h.createBody("A " + i));
        assertEquals(201, created.status(), created::bodyText);
        AdminResponse deleted =
            h.api.handle(
                request("DELETE", h.webhooks() + "/" + json(created).get("id").asText(), tokenA)
                    .build());
        assertEquals(204, deleted.status(), deleted::bodyText);
      }

      AdminResponse retry = create(h, tokenB, "crm-sync-1", bodyB);
      assertEquals(
          idB,
          json(retry).get("id").asText(),
          "B's retry with the same key and body gets the webhook its first request made");
      assertEquals(1, h.registry.forTenant("tenant-b").list().size(), "B has one webhook");
    }
  }

  private static AdminResponse create(AdminHarness h, String token, String key, String body) {
    return h.api.handle(
        request("POST", h.webhooks(), token)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", key)
            .body(body.getBytes(StandardCharsets.UTF_8))
            .build());
  }

  private static AdminRequest.Builder request(String method, String path, String token) {
    return AdminRequest.builder(method, path)
        .header("Authorization", "Bearer " + token)
        .remoteAddress("127.0.0.1");
  }

  private static JsonNode json(AdminResponse r) {
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
