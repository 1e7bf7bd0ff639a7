package dev.hookline.filter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hookline.Event;
import dev.hookline.EventType;
import dev.hookline.Secret;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookFormat;
import dev.hookline.WebhookStatus;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Webhooks and events for tests. */
final class Fixtures {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Instant T0 = Instant.parse("2026-11-22T10:15:30Z");

  private Fixtures() {}

  static Webhook webhook(String id, @Nullable String filter, EventType... types) {
    return webhook(id, filter, 1, types);
  }

  static Webhook webhook(String id, @Nullable String filter, long version, EventType... types) {
    return tenantWebhook(null, id, filter, version, types);
  }

  static Webhook tenantWebhook(
      @Nullable String tenant,
      String id,
      @Nullable String filter,
      long version,
      EventType... types) {
    return new Webhook(
        id,
        Optional.ofNullable(tenant),
        "hook " + id,
        "",
        URI.create("https://example.com/" + id),
        Secret.of("key-0123456789abcdef"),
        Set.of(types),
        Optional.ofNullable(filter),
        WebhookFormat.STANDARD_WEBHOOKS,
        Optional.empty(),
        WebhookStatus.VERIFIED,
        true,
        Optional.empty(),
        List.of(),
        T0,
        T0,
        version);
  }

  static Event event(EventType type) {
    return Event.builder(type).id("evt_1").occurredAt(T0).user("usr_1").build();
  }

  static Event event(EventType type, Subject subject, String dataJson, String... changed) {
    return Event.builder(type)
        .id("evt_1")
        .occurredAt(T0)
        .subject(subject)
        .data(json(dataJson))
        .changed(changed)
        .build();
  }

  static Event appEvent(EventType type, String app) {
    return Event.builder(type)
        .id("evt_1")
        .occurredAt(T0)
        .subject(Subject.user("usr_1").withApp(app))
        .build();
  }

  static Event tenantEvent(EventType type, String tenant) {
    return Event.builder(type)
        .id("evt_1")
        .occurredAt(T0)
        .subject(Subject.user("usr_1").withTenant(tenant))
        .build();
  }

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  static final EventType CREATED = UserEvents.CREATED;
  static final EventType UPDATED = UserEvents.UPDATED;
  static final EventType LOGGED_IN = UserEvents.LOGGED_IN;
}
