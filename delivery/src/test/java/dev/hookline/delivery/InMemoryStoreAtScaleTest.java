package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.withSettings;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Delivery;
import dev.hookline.Event;
import dev.hookline.Secret;
import dev.hookline.SigningSecret;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookFormat;
import dev.hookline.WebhookStatus;
import dev.hookline.store.InMemoryStore;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The in-memory store at an identity platform's numbers: an event fanned out to thousands of
 * webhooks, thousands of tenants. Each delivery of a fan-out was compared with every delivery of
 * the event added before it (one event to 20,000 webhooks: 3.8 s, holding the lock every publish
 * waits for), and each creation of a tenant's webhook counted the tenant's webhooks by reading
 * every webhook (45,000 webhooks of 3,000 tenants: four minutes). Counted here as the calls the
 * store makes on the values it is given (through spies that count one accessor), not timed.
 */
class InMemoryStoreAtScaleTest {
  private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
  private static final int MANY = 300;

  /** {@code real}, counting the calls of its accessor {@code method} in {@code calls}. */
  private static <T> T counting(T real, Class<T> type, String method, AtomicLong calls) {
    return mock(
        type,
        withSettings()
            .spiedInstance(real)
            .stubOnly()
            .defaultAnswer(
                invocation -> {
                  if (invocation.getMethod().getName().equals(method)) {
                    calls.incrementAndGet();
                  }
                  return invocation.callRealMethod();
                }));
  }

  private static Webhook webhook(String id, @Nullable String tenant) {
    return new Webhook(
        id,
        Optional.ofNullable(tenant),
        "hook " + id,
        "",
        URI.create("https://example.com/" + id),
        Secret.of("key-0123456789abcdef"),
        Set.of(UserEvents.CREATED),
        Optional.empty(),
        WebhookFormat.STANDARD_WEBHOOKS,
        Optional.empty(),
        WebhookStatus.VERIFIED,
        true,
        Optional.empty(),
        List.of(new SigningSecret(Secret.of("whsec_c2VjcmV0"), T0, Optional.empty())),
        T0,
        T0,
        1);
  }

  @Test
  void anEventFannedOutToManyWebhooksLooksEachOfThemUpOnce() {
    InMemoryStore store = new InMemoryStore();
    for (int i = 0; i < MANY; i++) {
      store.insertWebhook(webhook("wh_" + i, null));
    }
    Event event =
        Event.builder(UserEvents.CREATED)
            .id("evt_fan_out")
            .occurredAt(T0)
            .user("usr_1")
            .data(JsonNodeFactory.instance.objectNode())
            .build();
    AtomicLong lookups = new AtomicLong();
    List<Delivery> batch = new ArrayList<>();
    for (int i = 0; i < MANY; i++) {
      Delivery d = Delivery.pending("dlv_" + i, "wh_" + i, event, T0);
      batch.add(counting(d, Delivery.class, "webhookId", lookups));
    }

    int added = store.enqueue(batch).size();

    assertEquals(MANY, added);
    // Before: each delivery's webhook id was read once per delivery added before it, 45,000
    // times here (MANY squared, halved); now a few times per delivery.
    assertTrue(lookups.get() <= 4L * MANY, "webhook ids read: " + lookups.get());
  }

  @Test
  void creatingAndListingTenantsWebhooksReadsOnlyThatTenantsOwn() {
    InMemoryStore store = new InMemoryStore();
    AtomicLong tenantReads = new AtomicLong();
    for (int i = 0; i < MANY; i++) {
      Webhook w = counting(webhook("wh_" + i, "tenant-" + i), Webhook.class, "tenant", tenantReads);
      assertTrue(store.insertWebhook(w, 100));
    }
    for (int i = 0; i < MANY; i += 40) {
      assertEquals(
          List.of("wh_" + i), store.listWebhooks("tenant-" + i).stream().map(Webhook::id).toList());
    }

    // Before: each creation counted its tenant's webhooks by reading every webhook's tenant (45,000
    // reads here), and so did each list; now each webhook's tenant is read when it is created.
    assertTrue(tenantReads.get() <= 10L * MANY, "tenants read: " + tenantReads.get());
  }
}
