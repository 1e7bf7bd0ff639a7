package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hookline.Webhook;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cursors a client made up, on every list: one that is not a cursor of that list is a 400 naming
 * {@code cursor} (never a 500); one that is well-formed but names another tenant's row (or a row
 * that never existed) pages through the caller's own rows only, from where that position falls.
 */
class ForgedCursorTest {
  static AdminHarness h;
  static String tokenA;
  static Webhook a1;
  static Webhook a2;
  static Webhook b1;

  @BeforeAll
  static void start() {
    h = new AdminHarness();
    tokenA = h.tenantToken("tenant-a");
    h.tenantToken("tenant-b");
    a1 = h.receiving("tenant-a", "a1");
    b1 = h.receiving("tenant-b", "b1");
    a2 = h.receiving("tenant-a", "a2");
    h.deliver("tenant-a", 3, 200);
    h.deliver("tenant-b", 3, 200);
    h.create(h.tenantToken("tenant-b"), "b2"); // an audit entry of tenant B's
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static String b64(String raw) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  /** A keyset position as the API writes it: seconds, nanoseconds and id. */
  private static String cursor(Instant at, String id) {
    return b64(at.getEpochSecond() + ":" + at.getNano() + ":" + id);
  }

  private static List<String> lists() {
    return List.of(
        h.webhooks(),
        h.webhooks() + "/" + a1.id() + "/deliveries",
        h.base() + "/tokens",
        h.base() + "/audit-log");
  }

  @Test
  void aCursorNoListWroteIs400NamingCursorOnEveryList() {
    List<String> forged =
        List.of(
            "!!",
            b64("x"),
            b64("a:b:c"),
            b64("1:2:"),
            b64("1:2:wh\u0000x"),
            b64(Long.MIN_VALUE + ":-1:wh_x"),
            b64("1:99999999999999999999:wh_x"),
            b64("\u0000"));
    for (String list : lists()) {
      // A token cursor is a token id, any text: only what is not base64url, or holds a NUL, is
      // none.
      boolean tokens = list.endsWith("/tokens");
      for (String cursor : forged) {
        Http.Exchange e = h.http.get(list + "?cursor=" + cursor, tokenA);
        boolean refused =
            !tokens
                || cursor.equals("!!")
                || cursor.equals("%20")
                || cursor.startsWith("AA")
                || cursor.equals(b64("1:2:wh\u0000x"));
        if (!refused) {
          assertEquals(200, e.status(), e::toString);
          continue;
        }
        assertEquals(400, e.status(), e::toString);
        JsonNode error = e.json().get("errors").get(0);
        assertEquals("cursor", error.get("field").asText(), e::toString);
        assertTrue(error.get("allowed").asText().contains("next_cursor"), e::toString);
      }
    }
  }

  @Test
  void aWellFormedCursorOfAnotherTenantsWebhookListsTheCallersOwnOnly() {
    // (On the manual clock the webhooks share one instant: b1's position falls among A's by id.)
    String cursor = cursor(b1.createdAt(), b1.id());
    Http.Exchange e = h.http.get(h.webhooks() + "?cursor=" + cursor, tokenA);
    assertEquals(200, e.status(), e::toString);
    List<String> ids = new ArrayList<>();
    e.json().get("data").forEach(w -> ids.add(w.get("id").asText()));
    for (String id : ids) {
      assertTrue(
          h.registry.require(id).tenant().equals(Optional.of("tenant-a")), "only A's: " + ids);
    }
  }

  @Test
  void aDeliveryCursorNamingAnotherWebhooksDeliveryStaysOnTheWebhookInThePath() {
    String otherDelivery =
        h.store
            .findDeliveries(dev.hookline.DeliveryQuery.builder().webhook(b1.id()).build())
            .get(0)
            .id();
    Instant far = Instant.parse("9999-01-01T00:00:00Z");
    String cursor = cursor(far, otherDelivery);
    Http.Exchange e =
        h.http.get(h.webhooks() + "/" + a1.id() + "/deliveries?cursor=" + cursor, tokenA);
    assertEquals(200, e.status(), e::toString);
    JsonNode data = e.json().get("data");
    assertEquals(3, data.size(), e::toString);
    data.forEach(d -> assertEquals(a1.id(), d.get("webhook_id").asText(), e::toString));
    // And tenant B's webhook itself stays a 404 to tenant A, cursor or not.
    assertEquals(
        404,
        h.http.get(h.webhooks() + "/" + b1.id() + "/deliveries?cursor=" + cursor, tokenA).status());
  }

  @Test
  void aTokenCursorOfAnotherTenantsTokenListsTheCallersOwnOnly() {
    String b =
        h.api
            .issueToken(
                "b's", Optional.of("tenant-b"), Set.of(Scope.WEBHOOKS_READ), Optional.empty())
            .id();
    Http.Exchange e = h.http.get(h.base() + "/tokens?cursor=" + b64(b), tokenA);
    assertEquals(200, e.status(), e::toString);
    e.json()
        .get("data")
        .forEach(t -> assertEquals("tenant-a", t.get("tenant").asText(), e::toString));
    Http.Exchange audit = h.http.get(h.base() + "/audit-log?cursor=" + b64("999999"), tokenA);
    assertEquals(200, audit.status(), audit::toString);
    audit
        .json()
        .get("data")
        .forEach(t -> assertEquals("tenant-a", t.get("tenant").asText(), audit::toString));
  }
}
