package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hookline.admin.store.InMemoryAdminStore;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A tenant at its webhook limit is told so as a conflict of its own (409, {@code webhook-limit}),
 * not as a field error on a {@code tenant} field its request never had.
 */
class WebhookLimitTest {
  private final AdminHarness h =
      new AdminHarness(
          new InMemoryAdminStore(),
          UnaryOperator.identity(),
          r -> r.maxWebhooksPerTenant(2),
          b -> {});

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void aTenantAtItsLimitGetsA409WebhookLimitAndTheHostIsNotLimited() {
    String acme = h.tenantToken("acme");
    assertEquals(201, h.http.post(h.webhooks(), acme, h.createBody("one")).status());
    assertEquals(201, h.http.post(h.webhooks(), acme, h.createBody("two")).status());
    Http.Exchange refused = h.http.post(h.webhooks(), acme, h.createBody("three"));
    assertEquals(409, refused.status(), refused.toString());
    assertTrue(refused.contentType().startsWith("application/problem+json"), refused.contentType());
    JsonNode problem = refused.json();
    assertTrue(problem.get("type").asText().endsWith("/webhook-limit"), refused.body());
    assertTrue(problem.get("detail").asText().contains("already has 2 webhooks"), refused.body());
    assertEquals(2, h.registry.forTenant("acme").list().size());
    for (int i = 0; i < 3; i++) {
      assertEquals(201, h.http.post(h.webhooks(), h.root, h.createBody("host " + i)).status());
    }
  }
}
