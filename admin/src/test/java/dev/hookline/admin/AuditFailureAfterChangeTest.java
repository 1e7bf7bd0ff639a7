package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Webhook;
import dev.hookline.admin.spi.AdminStore;
import dev.hookline.admin.spi.AdminStoreException;
import dev.hookline.admin.store.InMemoryAdminStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The audit entry is written after the change it records. When that write fails (the admin store is
 * briefly unreachable, a serialization failure), the API answered 503 with {@code Retry-After},
 * although the webhook was already created: a client retrying a create with the same {@code
 * Idempotency-Key}, as the 503 invites, got a second webhook, and the first one's signing secret
 * was never shown to anyone.
 */
class AuditFailureAfterChangeTest {
  static final AtomicBoolean failNextAudit = new AtomicBoolean();
  static AdminHarness h;

  @BeforeAll
  static void start() {
    InMemoryAdminStore real = new InMemoryAdminStore();
    AdminStore store =
        (AdminStore)
            Proxy.newProxyInstance(
                AdminStore.class.getClassLoader(),
                new Class<?>[] {AdminStore.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("appendAudit") && failNextAudit.getAndSet(false)) {
                    throw new AdminStoreException(
                        AdminStoreException.Reason.UNAVAILABLE, "connection reset (test)");
                  }
                  try {
                    return method.invoke(real, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    h = new AdminHarness(store, b -> {});
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  @Test
  void aRetriedIdempotentCreateMakesOneWebhookWhenTheAuditWriteFailedOnce() {
    String token = h.tenantToken("audit-fail");
    String body = h.createBody("created once");
    List<Http.Exchange> answers = new ArrayList<>();
    failNextAudit.set(true);
    Http.Exchange first = h.http.post(h.webhooks(), token, body, "Idempotency-Key", "crm-1");
    answers.add(first);
    if (first.status() >= 500) {
      // the client does what the answer says: it retries with the same key
      answers.add(h.http.post(h.webhooks(), token, body, "Idempotency-Key", "crm-1"));
    }
    List<Webhook> made = h.registry.forTenant("audit-fail").list();
    assertEquals(
        1, made.size(), () -> "one idempotent create made " + made.size() + ": " + answers);
    Http.Exchange last = answers.get(answers.size() - 1);
    assertEquals(201, last.status(), last::toString);
    assertEquals(made.get(0).id(), last.json().get("id").asText(), last::toString);
    assertTrue(last.json().hasNonNull("signing_secret"), last::toString);
  }
}
