package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Webhook;
import dev.hookline.admin.store.InMemoryAdminStore;
import dev.hookline.spi.Store;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Another writer changes a webhook between the API's read and its write: the client gets the answer
 * it would get for a stale {@code If-Match} (412) or, for a state change that kept losing, 409;
 * never a 500.
 */
class ConcurrentChangeTest {
  static AdminHarness h;
  static Http http;

  /** The webhook whose reads race with another writer, and for how many more reads. */
  static final AtomicReference<String> racing = new AtomicReference<>("");

  static final AtomicInteger racesLeft = new AtomicInteger();

  @BeforeAll
  static void start() {
    h = new AdminHarness(new InMemoryAdminStore(), ConcurrentChangeTest::racing, r -> {}, b -> {});
    http = h.http;
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  /**
   * Delegates every call; right after {@code findWebhook} returns the raced webhook, another writer
   * stores a new version of it, so the caller holds a stale copy.
   */
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
              if (method.getName().equals("findWebhook")
                  && args[0].equals(racing.get())
                  && racesLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                Webhook read = ((Optional<?>) result).map(Webhook.class::cast).orElseThrow();
                delegate.updateWebhook(read.withApiKey(read.apiKey(), h.clock.instant()));
              }
              return result;
            });
  }

  private static void race(Webhook w, int reads) {
    racing.set(w.id());
    racesLeft.set(reads);
  }

  @Test
  void aPatchThatLosesARaceIs412AndChangesNothing() {
    Webhook w = h.webhook(null, "raced patch");
    race(w, 1);
    Http.Exchange e = http.patch(h.webhooks() + "/" + w.id(), h.root, "{\"name\":\"mine\"}");
    assertEquals(412, e.status(), e::toString);
    assertEquals("https://hookline.dev/problems/stale-version", e.json().get("type").asText());
    Webhook after = h.registry.require(w.id());
    assertEquals("raced patch", after.name());
    assertEquals(w.version() + 1, after.version(), "only the other writer's change is stored");
    assertEquals(
        200,
        http.patch(h.webhooks() + "/" + w.id(), h.root, "{\"name\":\"mine\"}").status(),
        "read again, the change applies");
  }

  @Test
  void aSigningSecretRotationRetriesAOneOffRace() {
    Webhook w = h.webhook(null, "raced rotation");
    race(w, 2);
    Http.Exchange e =
        http.post(h.webhooks() + "/" + w.id() + "/signing-secret/rotate", h.root, null);
    assertEquals(200, e.status(), e::toString);
    assertEquals(2, h.registry.require(w.id()).signingSecrets().size());
  }

  @Test
  void aSigningSecretRotationThatKeepsLosingIs409NotA500() {
    Webhook w = h.webhook(null, "contended rotation");
    race(w, Integer.MAX_VALUE);
    Http.Exchange e =
        http.post(h.webhooks() + "/" + w.id() + "/signing-secret/rotate", h.root, null);
    racesLeft.set(0);
    assertEquals(409, e.status(), e::toString);
    assertEquals("https://hookline.dev/problems/contended", e.json().get("type").asText());
    assertFalse(e.body().contains("whsec_"), "no secret in the answer");
    assertEquals(
        w.signingSecrets(),
        h.registry.require(w.id()).signingSecrets(),
        "the rotation was not stored");
    assertTrue(
        h.adminStore.listAudit(Optional.empty(), OptionalLong.empty(), 50).stream()
            .noneMatch(a -> a.target().equals(w.id())),
        "nothing is audited");
  }
}
