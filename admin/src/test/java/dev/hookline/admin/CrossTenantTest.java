package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.Webhook;
import dev.hookline.admin.spi.AuditEntry;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tenant B's token, with every scope, given tenant A's ids: every endpoint answers 404 exactly as
 * for ids that do not exist, and nothing of A's changes, not even the audit log.
 */
class CrossTenantTest {
  static AdminHarness h;
  static String tokenB;
  static Webhook a;
  static Delivery deliveryA;
  static String tokenIdA;

  @BeforeAll
  static void start() {
    h = new AdminHarness();
    tokenB = h.tenantToken("tenant-b");
    a = h.receiving("tenant-a", "A's webhook");
    h.deliver("tenant-a", 2, 500);
    deliveryA = h.store.findDeliveries(DeliveryQuery.builder().webhook(a.id()).build()).get(0);
    tokenIdA =
        h.api
            .issueToken(
                "A's",
                Optional.of("tenant-a"),
                java.util.Set.of(Scope.WEBHOOKS_READ),
                Optional.empty())
            .id();
    h.receiving("tenant-b", "B's webhook");
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  /** The problem body with the named ids replaced, so that A's and missing ids compare equal. */
  private static String shape(Http.Exchange e, String... ids) {
    String body = e.body();
    for (String id : ids) {
      body = body.replace(id, "<id>");
    }
    return e.status() + " " + e.contentType() + " " + body;
  }

  @Test
  void everyEndpointAnswersAnotherTenantsIdsExactlyLikeMissingOnes() {
    Webhook before = h.registry.require(a.id());
    List<Delivery> deliveriesBefore =
        h.store.findDeliveries(DeliveryQuery.builder().webhook(a.id()).build());
    List<AuditEntry> auditBefore =
        h.adminStore.listAudit(Optional.empty(), OptionalLong.empty(), 1000);
    List<Endpoints.Call> theirs = Endpoints.naming(h.base(), a.id(), deliveryA.id(), tokenIdA);
    List<Endpoints.Call> missing =
        Endpoints.naming(h.base(), "wh_doesnotexist", "dl_doesnotexist", "tok_doesnotexist");
    for (int i = 0; i < theirs.size(); i++) {
      Http.Exchange e = Endpoints.send(h.http, theirs.get(i), tokenB);
      Http.Exchange m = Endpoints.send(h.http, missing.get(i), tokenB);
      assertEquals(404, e.status(), theirs.get(i) + " " + e);
      assertEquals(
          shape(m, "wh_doesnotexist", "dl_doesnotexist", "tok_doesnotexist"),
          shape(e, a.id(), deliveryA.id(), tokenIdA),
          theirs.get(i)::toString);
    }
    Webhook after = h.registry.require(a.id());
    assertEquals(before, after, "A's webhook is unchanged");
    assertEquals(before.apiKey(), after.apiKey());
    assertEquals(before.signingSecrets(), after.signingSecrets());
    assertEquals(
        deliveriesBefore, h.store.findDeliveries(DeliveryQuery.builder().webhook(a.id()).build()));
    assertFalse(h.adminStore.findToken(tokenIdA).orElseThrow().revokedAt().isPresent());
    assertEquals(
        auditBefore,
        h.adminStore.listAudit(Optional.empty(), OptionalLong.empty(), 1000),
        "the audit log shows no change");
  }

  @Test
  void listsShowOnlyTheTenantsOwn() {
    JsonNode list = h.http.get(h.webhooks(), tokenB).json();
    list.get("data").forEach(w -> assertEquals("tenant-b", w.get("tenant").asText()));
    assertFalse(list.toString().contains(a.id()));
    assertFalse(h.http.get(h.base() + "/tokens", tokenB).body().contains(tokenIdA));
    JsonNode audit = h.http.get(h.base() + "/audit-log", tokenB).json();
    audit.get("data").forEach(e -> assertEquals("tenant-b", e.get("tenant").asText()));
  }

  @Test
  void aDeliveryOfAnotherTenantIsNotFoundUnderTheTenantsOwnWebhook() {
    Webhook b = h.receiving("tenant-b", "B's other");
    String path = h.webhooks() + "/" + b.id() + "/deliveries/" + deliveryA.id();
    assertEquals(404, h.http.get(path, tokenB).status());
    assertEquals(404, h.http.post(path + "/redeliver", tokenB, null).status());
  }

  @Test
  void aTenantTokenCreatesInItsOwnTenantAndCannotNameAnother() {
    Http.Exchange own = h.http.post(h.webhooks(), tokenB, h.createBody("B made"));
    assertEquals(201, own.status());
    assertEquals("tenant-b", own.json().get("tenant").asText());
    Http.Exchange other =
        h.http.post(
            h.webhooks(), tokenB, h.createBody("sneaky").replace("{", "{\"tenant\":\"tenant-a\","));
    assertEquals(400, other.status());
    assertEquals("tenant", other.json().get("errors").get(0).get("field").asText());
    assertEquals(
        0,
        h.registry.forTenant("tenant-a").list().stream()
            .filter(w -> w.name().equals("sneaky"))
            .count());
  }
}
