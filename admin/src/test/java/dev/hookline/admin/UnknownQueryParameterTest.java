package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hookline.Webhook;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The lists take named filters, and webhooks filter by {@code status} while deliveries filter by
 * {@code state}. A filter under a name the list does not take was ignored: {@code GET
 * .../deliveries?status=FAILED} answered every delivery, succeeded ones included, as if they had
 * failed, and a client redelivering "the failed ones" sent succeeded notifications again. A body's
 * unknown field is a 400; so is a list's unknown parameter now, naming the ones it takes.
 */
class UnknownQueryParameterTest {
  static AdminHarness h;

  @BeforeAll
  static void start() {
    h = new AdminHarness();
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  @Test
  void aFilterTheListDoesNotTakeIsRefusedNotIgnored() {
    Webhook w = h.receiving("query", "query");
    h.deliver("query", 2, 200);
    String deliveries = h.webhooks() + "/" + w.id() + "/deliveries";
    assertEquals(2, h.http.get(deliveries, h.root).json().get("data").size());
    assertEquals(0, h.http.get(deliveries + "?state=FAILED", h.root).json().get("data").size());

    List<String> ignored = new ArrayList<>();
    expect400(ignored, deliveries + "?status=FAILED", "status", "state");
    expect400(ignored, h.webhooks() + "?state=VERIFIED", "state", "status");
    expect400(ignored, h.base() + "/tokens?tenant=acme", "tenant", "cursor");
    expect400(ignored, h.base() + "/audit-log?since=2026-01-01T00:00:00Z", "since", "cursor");
    assertEquals(List.of(), ignored);
  }

  private static void expect400(List<String> ignored, String path, String field, String allowed) {
    Http.Exchange e = h.http.get(path, h.root);
    if (e.status() != 400) {
      ignored.add(path + " -> " + e.status());
      return;
    }
    JsonNode error = e.json().at("/errors/0");
    assertEquals(field, error.get("field").asText(), e::toString);
    assertTrue(error.get("allowed").asText().contains(allowed), e::toString);
  }
}
