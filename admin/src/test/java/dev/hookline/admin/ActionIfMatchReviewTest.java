package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hookline.DeliveryState;
import dev.hookline.Webhook;
import dev.hookline.admin.store.InMemoryAdminStore;
import dev.hookline.spi.Store;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every action on a webhook ({@code enable}, {@code disable}, {@code verify}, {@code test}, {@code
 * api-key}, {@code recover}, {@code signing-secret/rotate}, a delivery's {@code redeliver})
 * evaluates {@code If-Match} against the webhook's version as {@code PATCH} and {@code DELETE} do
 * (RFC 9110 13.1.1): a version that is not the current one is a 412 and nothing happens, a
 * malformed one a 400. The actions ignored the header: a client acting only on the version it
 * looked at acted on one changed since. Where the action writes the webhook, the version is checked
 * by that write, so a change between the API's read and its write is caught too.
 */
class ActionIfMatchReviewTest {
  static AdminHarness h;

  /** The webhook whose next read is followed by another writer's change (once). */
  static final AtomicReference<String> raced = new AtomicReference<>("");

  static JsonNode doc;

  static final AtomicInteger TENANTS = new AtomicInteger();

  @BeforeAll
  static void start() throws IOException {
    h =
        new AdminHarness(
            new InMemoryAdminStore(), ActionIfMatchReviewTest::racing, r -> {}, b -> {});
    try (InputStream in =
        ActionIfMatchReviewTest.class.getResourceAsStream("/dev/hookline/admin/openapi.json")) {
      doc = Http.JSON.readTree(in);
    }
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static Store racing(Store delegate) {
    return (Store)
        Proxy.newProxyInstance(
            Store.class.getClassLoader(),
            new Class<?>[] {Store.class},
            (proxy, method, args) -> {
              Object result;
              try {
                result = method.invoke(delegate, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
              String target = raced.get();
              if (method.getName().equals("findWebhook")
                  && target.equals(args[0])
                  && raced.compareAndSet(target, "")) {
                Webhook read = ((Optional<?>) result).map(Webhook.class::cast).orElseThrow();
                delegate.updateWebhook(read.withApiKey(read.apiKey(), h.clock.instant()));
              }
              return result;
            });
  }

  /** An action, its path below the webhook and its body. */
  private record Action(String name, String path, String body) {}

  private static final String NEW_KEY = "{\"api_key\":\"another-long-api-key-0123456789\"}";

  private static List<Action> actions(String deliveryId) {
    return List.of(
        new Action("enable", "/enable", null),
        new Action("disable", "/disable", null),
        new Action("verify", "/verify", null),
        new Action("test", "/test", null),
        new Action("api-key", "/api-key", NEW_KEY),
        new Action("recover", "/recover", "{\"since\":\"2000-01-01T00:00:00Z\"}"),
        new Action("signing-secret/rotate", "/signing-secret/rotate", null),
        new Action("redeliver", "/deliveries/" + deliveryId + "/redeliver", null));
  }

  /** A receiving webhook with one failed delivery, and that delivery's id. */
  private static String[] failedOnce(String name) {
    String tenant = "t" + TENANTS.incrementAndGet();
    Webhook w = h.receiving(tenant, name);
    h.deliver(tenant, 1, 500);
    JsonNode page =
        h.http.get(h.webhooks() + "/" + w.id() + "/deliveries?state=FAILED", h.root).json();
    return new String[] {w.id(), page.get("data").get(0).get("id").asText()};
  }

  private static Http.Exchange post(String id, Action a, String... headers) {
    return h.http.send("POST", h.webhooks() + "/" + id + a.path(), h.root, a.body(), headers);
  }

  private static int audited() {
    return h.adminStore.listAudit(Optional.empty(), OptionalLong.empty(), 10_000).size();
  }

  private static Webhook changedBehindTheClient(String id) {
    Webhook w = h.registry.require(id);
    return h.registry.update(
        id, w.version(), w.definition().toBuilder().description("changed by another").build());
  }

  @Test
  void aStaleVersionIs412AndTheActionDoesNothing() {
    for (Action a : actions("")) {
      String[] ids = failedOnce("stale " + a.name());
      Webhook read = h.registry.require(ids[0]); // what the client looked at
      Webhook now = changedBehindTheClient(ids[0]);
      int audits = audited();
      long deliveries = h.store.countDeliveries(ids[0]).total();
      Action action = actions(ids[1]).get(actions("").indexOf(a));
      Http.Exchange e = post(ids[0], action, "If-Match", "\"" + read.version() + "\"");
      assertEquals(412, e.status(), a.name() + ": " + e);
      assertEquals(
          "https://hookline.dev/problems/stale-version", e.json().get("type").asText(), a.name());
      assertEquals(now, h.registry.require(ids[0]), a.name() + ": the webhook is not changed");
      assertEquals(audits, audited(), a.name() + ": nothing is audited");
      assertEquals(deliveries, h.store.countDeliveries(ids[0]).total(), a.name() + ": none queued");
      assertEquals(
          DeliveryState.FAILED,
          h.store.findDelivery(ids[1]).orElseThrow().state(),
          a.name() + ": nothing is requeued");
    }
  }

  @Test
  void aMalformedIfMatchIs400AndTheActionDoesNothing() {
    for (Action a : actions("")) {
      String[] ids = failedOnce("malformed " + a.name());
      Webhook before = h.registry.require(ids[0]);
      int audits = audited();
      Action action = actions(ids[1]).get(actions("").indexOf(a));
      Http.Exchange e = post(ids[0], action, "If-Match", "\"abc\"");
      assertEquals(400, e.status(), a.name() + ": " + e);
      assertEquals("If-Match", e.json().get("errors").get(0).get("field").asText(), a.name());
      assertEquals(before, h.registry.require(ids[0]), a.name());
      assertEquals(audits, audited(), a.name());
    }
  }

  @Test
  void theCurrentVersionAListHoldingItOrAStarActs() {
    for (Action a : actions("")) {
      for (String ifMatch : List.of("current", "list", "*")) {
        String[] ids = failedOnce(ifMatch + " " + a.name());
        Webhook w = h.registry.require(ids[0]);
        if (a.name().equals("enable")) {
          w = h.registry.disable(ids[0]);
        }
        String v = "\"" + w.version() + "\"";
        String header =
            switch (ifMatch) {
              case "current" -> v;
              case "list" -> "\"999\", W/" + v;
              default -> "*";
            };
        Action action = actions(ids[1]).get(actions("").indexOf(a));
        Http.Exchange e = post(ids[0], action, "If-Match", header);
        assertTrue(
            e.status() == 200 || e.status() == 202, a.name() + " with " + ifMatch + ": " + e);
      }
    }
  }

  @Test
  void aChangeBetweenTheReadAndTheWriteIs412ForTheActionsThatWrite() {
    // enable, disable, API key and signing-secret rotation write the webhook: the If-Match
    // version is the one that write expects, as PATCH's is. Compared only with the API's read,
    // another writer's change just after it was overwritten.
    for (String action : List.of("enable", "disable", "api-key", "signing-secret/rotate")) {
      Webhook w = h.receiving(null, "raced " + action);
      if (action.equals("enable")) {
        w = h.registry.disable(w.id());
      }
      raced.set(w.id());
      Http.Exchange e =
          h.http.send(
              "POST",
              h.webhooks() + "/" + w.id() + "/" + action,
              h.root,
              action.equals("api-key") ? NEW_KEY : null,
              "If-Match",
              "\"" + w.version() + "\"");
      raced.set("");
      assertEquals(412, e.status(), action + ": " + e);
      Webhook after = h.registry.require(w.id());
      assertEquals(w.version() + 1, after.version(), action + ": only the other writer's change");
      assertEquals(w.enabled(), after.enabled(), action);
      assertEquals(w.apiKey(), after.apiKey(), action);
      assertEquals(w.signingSecrets(), after.signingSecrets(), action);
    }
  }

  @Test
  void withoutIfMatchTheActionsActAsBefore() {
    String[] ids = failedOnce("plain");
    changedBehindTheClient(ids[0]);
    Http.Exchange e = h.http.post(h.webhooks() + "/" + ids[0] + "/disable", h.root, null);
    assertEquals(200, e.status(), e::toString);
    assertFalse(h.registry.require(ids[0]).enabled());
  }

  @Test
  void theOpenApiDocumentSaysSo() {
    List<String> missing = new ArrayList<>();
    for (String path :
        List.of(
            "/webhooks/{id}/enable",
            "/webhooks/{id}/disable",
            "/webhooks/{id}/verify",
            "/webhooks/{id}/test",
            "/webhooks/{id}/api-key",
            "/webhooks/{id}/recover",
            "/webhooks/{id}/signing-secret/rotate",
            "/webhooks/{id}/deliveries/{deliveryId}/redeliver")) {
      JsonNode op = doc.get("paths").get(path).get("post");
      assertNotNull(op, path);
      boolean parameter = false;
      for (JsonNode p : op.path("parameters")) {
        parameter |= p.get("name").asText().equals("If-Match");
      }
      if (!parameter) {
        missing.add(path + " If-Match");
      }
      for (String status : List.of("400", "412")) {
        if (!op.get("responses").has(status)) {
          missing.add(path + " " + status);
        }
      }
    }
    assertEquals(List.of(), missing);
  }
}
