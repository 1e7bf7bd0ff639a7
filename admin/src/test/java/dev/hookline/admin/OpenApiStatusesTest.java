package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hookline.Webhook;
import dev.hookline.WebhookRegistry;
import dev.hookline.admin.spi.AdminStore;
import dev.hookline.admin.spi.AdminStoreException;
import dev.hookline.admin.store.InMemoryAdminStore;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Statuses the API gives that the full run does not provoke are documented in openapi.json too: a
 * generated client must know them. The store-unavailable 503 can answer every authenticated
 * operation (the token is looked up in the store first); a state change that keeps losing to
 * concurrent ones is a 409 (admin.md, "contended").
 */
class OpenApiStatusesTest {
  static AdminHarness h;

  /** The webhook whose every read races with another writer. */
  static final AtomicReference<String> contended = new AtomicReference<>("");

  static JsonNode doc;

  @BeforeAll
  static void start() throws IOException {
    h =
        new AdminHarness(
            new InMemoryAdminStore(), OpenApiStatusesTest::contending, r -> {}, b -> {});
    try (InputStream in =
        OpenApiStatusesTest.class.getResourceAsStream("/dev/hookline/admin/openapi.json")) {
      doc = Http.JSON.readTree(in);
    }
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  /** After every read of the contended webhook, another writer stores a new version of it. */
  private static Store contending(Store delegate) {
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
              if (method.getName().equals("findWebhook") && args[0].equals(contended.get())) {
                Webhook read = ((Optional<?>) result).map(Webhook.class::cast).orElseThrow();
                delegate.updateWebhook(read.withApiKey(read.apiKey(), h.clock.instant()));
              }
              return result;
            });
  }

  private static String documented(String method, String template, int status) {
    JsonNode op = doc.get("paths").get(template).get(method.toLowerCase(Locale.ROOT));
    assertNotNull(op, method + " " + template);
    return op.get("responses").has(Integer.toString(status))
        ? null
        : method + " " + template + " gives " + status;
  }

  @Test
  void aStateChangeThatKeepsLosingIs409AndDocumentedAsSuch() {
    Map<String, String> actions = new TreeMap<>();
    actions.put("/webhooks/{id}/enable", null);
    actions.put("/webhooks/{id}/disable", null);
    actions.put("/webhooks/{id}/signing-secret/rotate", null);
    actions.put("/webhooks/{id}/api-key", "{\"api_key\":\"another-long-api-key-0123456789\"}");
    List<String> undocumented = new ArrayList<>();
    for (Map.Entry<String, String> a : actions.entrySet()) {
      Webhook w = h.webhook(null, "contended " + a.getKey());
      if (a.getKey().endsWith("/disable")) {
        h.registry.enable(w.id());
      }
      contended.set(w.id());
      Http.Exchange e =
          h.http.post(
              h.webhooks() + a.getKey().substring("/webhooks".length()).replace("{id}", w.id()),
              h.root,
              a.getValue());
      contended.set("");
      assertEquals(409, e.status(), e::toString);
      assertEquals("https://hookline.dev/problems/contended", e.json().get("type").asText());
      String missing = documented("POST", a.getKey(), 409);
      if (missing != null) {
        undocumented.add(missing);
      }
    }
    assertEquals(List.of(), undocumented);
  }

  @Test
  void everyAuthenticatedOperationDocumentsTheStoreUnavailable503() {
    everyOperationWithAFailingStoreIs(AdminStoreException.Reason.UNAVAILABLE, 503);
  }

  /** A store error that retrying cannot fix (a data or constraint error) is a 500 anywhere. */
  @Test
  void everyAuthenticatedOperationDocumentsTheInternalError500() {
    everyOperationWithAFailingStoreIs(AdminStoreException.Reason.FAILED, 500);
  }

  private static void everyOperationWithAFailingStoreIs(
      AdminStoreException.Reason reason, int status) {
    AdminStore down =
        (AdminStore)
            Proxy.newProxyInstance(
                AdminStore.class.getClassLoader(),
                new Class<?>[] {AdminStore.class},
                (proxy, method, args) -> {
                  throw new AdminStoreException(reason, "database gone (test)");
                });
    WebhookRegistry registry = WebhookRegistry.builder().store(new InMemoryStore()).build();
    List<String> undocumented = new ArrayList<>();
    try (Dispatcher dispatcher = Dispatcher.builder().registry(registry).build()) {
      AdminApi api =
          AdminApi.builder().registry(registry).dispatcher(dispatcher).store(down).build();
      for (Map.Entry<String, JsonNode> p : doc.get("paths").properties()) {
        if (p.getKey().equals("/openapi.json")) {
          continue;
        }
        for (String m : List.of("get", "post", "patch", "delete")) {
          if (!p.getValue().has(m)) {
            continue;
          }
          String method = m.toUpperCase(Locale.ROOT);
          AdminResponse r =
              api.handle(
                  AdminRequest.builder(method, "/api/v1" + p.getKey().replaceAll("\\{[^}]+}", "x"))
                      .header("Authorization", "Bearer hkl_" + "Q".repeat(43))
                      .remoteAddress("127.0.0.1")
                      .build());
          assertEquals(status, r.status(), method + " " + p.getKey());
          String missing = documented(method, p.getKey(), status);
          if (missing != null) {
            undocumented.add(missing);
          }
        }
      }
    }
    assertEquals(List.of(), undocumented);
  }
}
