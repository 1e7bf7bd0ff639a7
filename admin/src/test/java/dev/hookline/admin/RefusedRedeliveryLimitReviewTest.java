package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.admin.store.InMemoryAdminStore;
import dev.hookline.testing.TestWebhooks;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A redelivery or test event the API refuses (the delivery is still queued, the webhook does not
 * receive) requeues or queues nothing, so it does not use up a place of the webhook's rate limit.
 * The place was taken before the refusal: with a limit of 30 a minute, a client retrying a queued
 * delivery's redelivery was then answered 429 for the finished one it meant.
 */
class RefusedRedeliveryLimitReviewTest {
  static AdminHarness h;

  @BeforeAll
  static void start() {
    h =
        new AdminHarness(
            new InMemoryAdminStore(), b -> b.redeliveryLimit(1, Duration.ofMinutes(1)));
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static String firstDelivery(String webhookId) {
    return h.http
        .get(h.webhooks() + "/" + webhookId + "/deliveries", h.root)
        .json()
        .get("data")
        .get(0)
        .get("id")
        .asText();
  }

  @Test
  void aRefusedRedeliveryLeavesThePlaceForTheNextOne() {
    Webhook w = h.receiving("queued", "queued");
    h.dispatcher.publish(h.event(UserEvents.CREATED, "queued"));
    String id = firstDelivery(w.id());
    String redeliver = h.webhooks() + "/" + w.id() + "/deliveries/" + id + "/redeliver";
    for (int i = 0; i < 3; i++) {
      Http.Exchange refused = h.http.post(redeliver, h.root, null);
      assertEquals(409, refused.status(), refused::toString);
    }
    h.endpointStatus.set(500);
    h.dispatcher.runDueNow(); // the delivery fails: now it may be redelivered
    Http.Exchange e = h.http.post(redeliver, h.root, null);
    assertEquals(202, e.status(), e::toString);
    Http.Exchange again = h.http.post(redeliver, h.root, null);
    assertEquals(429, again.status(), "the one place is used now: " + again);
  }

  @Test
  void aRefusedTestEventLeavesThePlaceForTheNextOne() {
    Webhook w = h.webhook("untested", "not receiving");
    String test = h.webhooks() + "/" + w.id() + "/test";
    for (int i = 0; i < 3; i++) {
      Http.Exchange refused = h.http.post(test, h.root, null);
      assertEquals(409, refused.status(), refused::toString);
    }
    TestWebhooks.markVerified(h.registry, w.id());
    h.registry.enable(w.id());
    Http.Exchange e = h.http.post(test, h.root, null);
    assertEquals(202, e.status(), e::toString);
    Http.Exchange again = h.http.post(test, h.root, null);
    assertEquals(429, again.status(), "the one place is used now: " + again);
  }
}
