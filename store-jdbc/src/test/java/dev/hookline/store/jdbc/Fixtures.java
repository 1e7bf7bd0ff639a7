package dev.hookline.store.jdbc;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.Event;
import dev.hookline.Secret;
import dev.hookline.SigningSecret;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookFormat;
import dev.hookline.WebhookStatus;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.spi.Store;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Values the store-jdbc tests share. */
final class Fixtures {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final String API_KEY = "ak_live_Zx9PLAINTEXTAPIKEY4711";
  static final String SIGNING_SECRET = "whsec_UExBSU5URVhUU0lHTklOR1NFQ1JFVA==";

  private Fixtures() {}

  static Webhook webhook(String id, Instant now) {
    return webhook(id, Optional.empty(), now);
  }

  static Webhook tenantWebhook(String id, String tenant, Instant now) {
    return webhook(id, Optional.of(tenant), now);
  }

  private static Webhook webhook(String id, Optional<String> tenant, Instant now) {
    return new Webhook(
        id,
        tenant,
        "Webhook " + id,
        "",
        URI.create("https://hooks.example.com/" + id),
        Secret.of(API_KEY),
        Set.of(UserEvents.CREATED, UserEvents.UPDATED),
        Optional.empty(),
        WebhookFormat.STANDARD_WEBHOOKS,
        Optional.empty(),
        WebhookStatus.VERIFIED,
        true,
        Optional.empty(),
        List.of(new SigningSecret(Secret.of(SIGNING_SECRET), now, Optional.empty())),
        now,
        now,
        1);
  }

  static Event event(String id, Instant now) {
    return Event.builder(UserEvents.CREATED)
        .id(id)
        .occurredAt(now)
        .user("user-" + id)
        .data(JsonNodeFactory.instance.objectNode().put("email", id + "@example.com"))
        .build();
  }

  static Delivery pending(String id, String webhookId, String eventId, Instant now) {
    return Delivery.pending(id, webhookId, event(eventId, now), now);
  }

  static Attempt ok(int n, Instant now) {
    return Attempt.response(n, now, Duration.ofMillis(3), 204, "");
  }

  /**
   * Inserts webhook {@code wh_a} and three deliveries of it ({@code dlv_0} to {@code dlv_2}),
   * claims them, and returns the three claimed: what the grouped outcome write's tests start from.
   */
  static List<ClaimedDelivery> claimThree(Store store) {
    store.insertWebhook(webhook("wh_a", T0));
    store.enqueue(
        List.of(
            pending("dlv_0", "wh_a", "evt_0", T0),
            pending("dlv_1", "wh_a", "evt_1", T0),
            pending("dlv_2", "wh_a", "evt_2", T0)));
    List<ClaimedDelivery> claimed =
        store.claim(ClaimRequest.of("w", T0, Duration.ofMinutes(5), 10));
    if (claimed.size() != 3) {
      throw new AssertionError("claimed " + claimed.size() + " of the 3 deliveries");
    }
    return claimed;
  }
}
