package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Webhook;
import dev.hookline.admin.store.InMemoryAdminStore;
import dev.hookline.spi.Store;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST .../test} answers what openapi.json says: 202 with the id of the delivery it queued,
 * never an empty {@code delivery_id}. When the webhook is deleted between the API's check and the
 * enqueue, the Store adds nothing (it drops deliveries of a webhook that is gone): that is a 404,
 * as for a webhook deleted a moment earlier, and nothing is audited.
 */
class TestNotificationRaceTest {
  static AdminHarness h;

  /** The webhook that another request deletes just before the test delivery is enqueued. */
  static final AtomicReference<String> deletedMeanwhile = new AtomicReference<>("");

  @BeforeAll
  static void start() {
    h =
        new AdminHarness(
            new InMemoryAdminStore(), TestNotificationRaceTest::deleting, r -> {}, b -> {});
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static Store deleting(Store delegate) {
    return (Store)
        Proxy.newProxyInstance(
            Store.class.getClassLoader(),
            new Class<?>[] {Store.class},
            (proxy, method, args) -> {
              if (method.getName().equals("enqueue") && args != null && args.length == 1) {
                List<?> batch = (List<?>) args[0];
                String id = deletedMeanwhile.get();
                if (batch.stream()
                    .anyMatch(d -> ((dev.hookline.Delivery) d).webhookId().equals(id))) {
                  delegate.deleteWebhook(id); // another request's DELETE wins the race
                }
              }
              try {
                return method.invoke(delegate, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  @Test
  void aTestNotificationToAWebhookDeletedMeanwhileIs404NotAnEmptyDeliveryId() {
    Webhook w = h.receiving(null, "deleted while testing");
    deletedMeanwhile.set(w.id());
    Http.Exchange e = h.http.post(h.webhooks() + "/" + w.id() + "/test", h.root, null);
    deletedMeanwhile.set("");
    assertFalse(e.body().contains("\"delivery_id\":\"\""), e::toString);
    assertEquals(404, e.status(), e::toString);
    assertEquals("https://hookline.dev/problems/not-found", e.json().get("type").asText());
    Http.Exchange audit = h.http.get(h.base() + "/audit-log", h.root);
    for (com.fasterxml.jackson.databind.JsonNode entry : audit.json().get("data")) {
      assertFalse(
          entry.get("action").asText().equals("webhook.test")
              && entry.get("target").asText().equals(w.id()),
          "a test that sent nothing is not audited");
    }
  }

  @Test
  void aTestNotificationAnswersTheIdOfTheDeliveryItQueued() {
    Webhook w = h.receiving(null, "tested");
    Http.Exchange e = h.http.post(h.webhooks() + "/" + w.id() + "/test", h.root, null);
    assertEquals(202, e.status(), e::toString);
    String id = e.json().get("delivery_id").asText();
    assertTrue(id.startsWith("dlv"), id);
    assertEquals(w.id(), h.store.findDelivery(id).orElseThrow().webhookId());
  }
}
