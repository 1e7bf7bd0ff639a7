package dev.hookline.delivery.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hookline.Secret;
import dev.hookline.SigningSecret;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookFormat;
import dev.hookline.WebhookStatus;
import dev.hookline.filter.Filters;
import dev.hookline.filter.SubscriptionIndex;
import dev.hookline.store.InMemoryStore;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What a reload of the webhook view does to the endpoints' slots. */
class WebhookViewSlotsTest {

  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
  private static final long MS = 1_000_000L;

  private static Webhook webhook(String id, boolean enabled, long version) {
    return new Webhook(
        id,
        Optional.empty(),
        "hook " + id,
        "",
        URI.create("https://example.com/" + id),
        Secret.of("key-0123456789abcdef"),
        Set.of(UserEvents.CREATED),
        Optional.empty(),
        WebhookFormat.STANDARD_WEBHOOKS,
        Optional.empty(),
        WebhookStatus.VERIFIED,
        enabled,
        Optional.empty(),
        List.of(new SigningSecret(Secret.of("whsec_c2VjcmV0"), T0, Optional.empty())),
        T0,
        T0,
        version);
  }

  /** The dispatcher's view of the store's webhooks, over {@code slots}. */
  private static WebhookView view(InMemoryStore store, EndpointSlots<String> slots) {
    return new WebhookView(
        store,
        SubscriptionIndex.create(Filters.compiler()),
        new EndpointHealth(store, 20, 10, 0.5, Duration.ofSeconds(30), Duration.ofDays(5)),
        slots,
        () -> {},
        id -> {});
  }

  @Test
  void aReloadForgetsTheIdleEndpointOfAWebhookThatNoLongerReceivesAndItsDeeperQueue() {
    InMemoryStore store = new InMemoryStore();
    store.insertWebhook(webhook("wh_fast", true, 1));
    store.insertWebhook(webhook("wh_other", true, 1));
    EndpointSlots<String> slots = new EndpointSlots<>(2, 4, 16, 100 * MS, Integer.MAX_VALUE);
    WebhookView view = view(store, slots);
    view.reload();
    assertEquals(2, view.receivingCount());
    EndpointSlots<String>.Endpoint fast = slots.endpoint("wh_fast", null);
    fast.served(MS / 10, EndpointSlots.Exchange.ANSWERED);
    fast.ended(EndpointSlots.Exchange.ANSWERED);
    assertEquals(12, slots.deepened());

    // Disabled (by hand, or by the failure clock after answering 500 fast for days): its
    // deliveries are no longer claimed, so its deeper queue is no room the claims may count on.
    // Kept, it counted beside receivingCount() for as long as the webhook stayed disabled.
    store.updateWebhook(webhook("wh_fast", false, 2));
    view.reload();
    assertEquals(1, view.receivingCount());
    assertEquals(0, slots.deepened(), "the room of a queue no delivery can enter");

    // Enabled again: a fresh endpoint, shallow until it is seen to be fast again.
    store.updateWebhook(webhook("wh_fast", true, 3));
    view.reload();
    assertEquals(4, slots.endpoint("wh_fast", null).depth());
    assertEquals(0, slots.deepened());
  }

  @Test
  void aReloadKeepsTheBusyEndpointOfAWebhookThatNoLongerReceives() {
    InMemoryStore store = new InMemoryStore();
    store.insertWebhook(webhook("wh_a", true, 1));
    EndpointSlots<String> slots = new EndpointSlots<>(2, 4, 16, 100 * MS, Integer.MAX_VALUE);
    WebhookView view = view(store, slots);
    view.reload();
    EndpointSlots<String>.Endpoint a = slots.endpoint("wh_a", null);
    assertEquals(EndpointSlots.Admission.RUN, a.admit("d1"));
    store.updateWebhook(webhook("wh_a", false, 2));
    view.reload();
    // An attempt still holds it: forgotten, the next lookup made a second endpoint beside it.
    assertEquals(a, slots.endpoint("wh_a", null));
    assertEquals(1, slots.taken());
  }
}
