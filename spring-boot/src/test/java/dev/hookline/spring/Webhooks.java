package dev.hookline.spring;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.testing.TestWebhooks;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/** Shared test set-up: a receiving webhook and an event for it. */
final class Webhooks {
  private static final AtomicInteger EVENTS = new AtomicInteger();

  private Webhooks() {}

  /** Creates a verified, enabled webhook for user.created at the URI. */
  static Webhook receiving(WebhookRegistry registry, String uri) {
    Webhook w =
        registry.create(
            WebhookDefinition.builder()
                .name("spring test")
                .uri(uri)
                .apiKey("test-api-key-0123456789")
                .events(UserEvents.CREATED)
                .build());
    TestWebhooks.markVerified(registry, w.id());
    return registry.enable(w.id());
  }

  /** A user.created event with a fresh id. */
  static Event event() {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("user_id", "u1");
    return Event.builder(UserEvents.CREATED)
        .id("evt_spring_" + EVENTS.incrementAndGet())
        .occurredAt(Instant.parse("2026-01-01T00:00:00Z"))
        .user("u1")
        .data(data)
        .build();
  }
}
