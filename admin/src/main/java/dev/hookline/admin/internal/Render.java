package dev.hookline.admin.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryCounts;
import dev.hookline.EventType;
import dev.hookline.Webhook;
import dev.hookline.admin.Principal;
import dev.hookline.admin.Scope;
import dev.hookline.admin.spi.AuditEntry;
import dev.hookline.admin.spi.StoredToken;

/**
 * JSON for each resource. Never writes a webhook's API key; signing secrets are added by the two
 * responses that show one. Stateless.
 */
final class Render {
  /** Most characters of an endpoint's response shown in an attempt. */
  static final int RESPONSE_EXCERPT_CHARS = 1024;

  private Render() {}

  static ObjectNode webhook(Webhook w) {
    ObjectNode n = AdminService.JSON.createObjectNode();
    n.put("id", w.id());
    n.put("name", w.name());
    n.put("description", w.description());
    n.put("uri", w.uri().toString());
    ArrayNode events = n.putArray("subscribed_events");
    for (EventType t : w.events()) {
      events.add(t.wireName());
    }
    w.tenant().ifPresent(t -> n.put("tenant", t));
    w.filter().ifPresent(f -> n.put("filter", f));
    n.put("status", w.status().name());
    w.statusReason().ifPresent(r -> n.put("status_reason", r));
    n.put("enabled", w.enabled());
    n.put("version", w.version());
    n.put("format", w.format().name());
    w.audience().ifPresent(a -> n.put("audience", a));
    n.put("created_at", w.createdAt().toString());
    n.put("updated_at", w.updatedAt().toString());
    return n;
  }

  static ObjectNode delivery(Delivery d, boolean withAttempts) {
    ObjectNode n = AdminService.JSON.createObjectNode();
    n.put("id", d.id());
    n.put("webhook_id", d.webhookId());
    n.put("event_id", d.event().id());
    n.put("event_type", d.event().type().wireName());
    n.put("state", d.state().name());
    n.put("created_at", d.createdAt().toString());
    n.put("updated_at", d.updatedAt().toString());
    d.nextAttemptAt().ifPresent(t -> n.put("next_attempt_at", t.toString()));
    n.put("attempt_count", d.attemptCount());
    d.lastAttempt()
        .ifPresent(
            a -> {
              if (a.statusCode().isPresent()) {
                n.put("last_status", a.statusCode().getAsInt());
              }
            });
    if (withAttempts) {
      ArrayNode attempts = n.putArray("attempts");
      for (Attempt a : d.attempts()) {
        ObjectNode an = attempts.addObject();
        an.put("number", a.number());
        an.put("at", a.startedAt().toString());
        an.put("duration_ms", a.duration().toMillis());
        if (a.statusCode().isPresent()) {
          an.put("status", a.statusCode().getAsInt());
        }
        a.error().ifPresent(e -> an.put("error_kind", e.name()));
        if (!a.responseBody().isEmpty()) {
          an.put("response_excerpt", excerpt(a.responseBody()));
        }
        if (!a.detail().isEmpty()) {
          an.put("detail", a.detail());
        }
      }
    }
    return n;
  }

  /**
   * The first {@link #RESPONSE_EXCERPT_CHARS} UTF-16 units of a response, one fewer if the cut
   * would split a surrogate pair: half a pair is not a character, and strict JSON readers refuse
   * it.
   */
  static String excerpt(String body) {
    if (body.length() <= RESPONSE_EXCERPT_CHARS) {
      return body;
    }
    int end = RESPONSE_EXCERPT_CHARS;
    if (Character.isHighSurrogate(body.charAt(end - 1))
        && Character.isLowSurrogate(body.charAt(end))) {
      end--;
    }
    return body.substring(0, end);
  }

  static ObjectNode summary(DeliveryCounts c) {
    ObjectNode n = AdminService.JSON.createObjectNode();
    n.put("total", c.total());
    n.put("pending", c.pending());
    n.put("in_flight", c.inFlight());
    n.put("succeeded", c.succeeded());
    n.put("retrying", c.retrying());
    n.put("failed", c.failed());
    return n;
  }

  static ObjectNode eventType(EventType t) {
    ObjectNode n = AdminService.JSON.createObjectNode();
    n.put("name", t.wireName());
    n.put("display_name", t.displayName());
    n.put("subscribable", t.subscribable());
    return n;
  }

  static ObjectNode token(StoredToken t) {
    ObjectNode n = AdminService.JSON.createObjectNode();
    n.put("id", t.id());
    n.put("name", t.name());
    t.tenant().ifPresent(x -> n.put("tenant", x));
    ArrayNode scopes = n.putArray("scopes");
    for (Scope s : Scope.values()) {
      if (t.scopes().contains(s)) {
        scopes.add(s.wireName());
      }
    }
    n.put("created_at", t.createdAt().toString());
    t.expiresAt().ifPresent(x -> n.put("expires_at", x.toString()));
    n.put("revoked", t.revokedAt().isPresent());
    t.revokedAt().ifPresent(x -> n.put("revoked_at", x.toString()));
    return n;
  }

  static ObjectNode audit(AuditEntry e) {
    ObjectNode n = AdminService.JSON.createObjectNode();
    n.put("at", e.at().toString());
    e.tokenId().ifPresent(x -> n.put("token_id", x));
    n.put("principal", e.principal());
    e.tenant().ifPresent(x -> n.put("tenant", x));
    n.put("action", e.action());
    n.put("target", e.target());
    ArrayNode fields = n.putArray("changed_fields");
    e.changedFields().forEach(fields::add);
    return n;
  }

  static ObjectNode me(Principal p) {
    ObjectNode n = AdminService.JSON.createObjectNode();
    n.put("principal", p.name());
    p.tokenId().ifPresent(x -> n.put("token_id", x));
    p.tenant().ifPresent(x -> n.put("tenant", x));
    ArrayNode scopes = n.putArray("scopes");
    for (Scope s : Scope.values()) {
      if (p.has(s)) {
        scopes.add(s.wireName());
      }
    }
    return n;
  }
}
