package dev.hookline.set.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Event;
import dev.hookline.EventType;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import java.util.Map;

/**
 * Writes the {@code SetClaims.AKAMAI_IDENTITY_CLOUD} claims. The names follow Akamai's "Security
 * Event Token Payloads" page (identitydocs.akamai.com, also techdocs.akamai.com "Webhooks v3
 * security event tokens"): claims {@code iss, iat, jti, aud, txn, toe, events}; an event named
 * {@code entityCreated}, {@code entityUpdated} ("a data value within a user profile has changed")
 * or {@code entityDeleted} holding {@code attributes, captureApplicationId, captureClientId,
 * entityType, globalSub, sub, id}; and, per that page, "the id claim uniquely identifies the event
 * itself, while jti uniquely identifies the event notification". The test notification of its "What
 * a Webhook event filter can filter on" page is {@code "events":{"test":{"id":...}}}.
 */
public final class AkamaiClaims {
  private static final Map<EventType, String> NAMES =
      Map.of(
          UserEvents.CREATED, "entityCreated",
          UserEvents.UPDATED, "entityUpdated",
          UserEvents.DELETED, "entityDeleted",
          EventType.WEBHOOK_TEST, "test");

  private AkamaiClaims() {}

  /**
   * Adds the claims after {@code iss} and {@code iat}, which the root already has: {@code jti},
   * {@code aud}, {@code txn}, {@code toe} and the events claim.
   *
   * @param root the claims so far
   * @param event the event
   * @param webhook the webhook it goes to
   * @param prefix the URI prefix of event types Akamai has no name for
   */
  public static void write(ObjectNode root, Event event, Webhook webhook, String prefix) {
    root.put("jti", TokenIds.jti(event, webhook));
    root.put("aud", webhook.audience().orElse(webhook.uri().toString()));
    root.put("txn", TokenIds.transaction(event));
    root.put("toe", event.occurredAt().getEpochSecond());
    String name = NAMES.get(event.type());
    ObjectNode payload =
        root.putObject("events").putObject(name != null ? name : prefix + event.type().wireName());
    if (event.type().equals(EventType.WEBHOOK_TEST)) {
      // Akamai's test notification names no user; Hookline's placeholder subject is left out.
      payload.put("id", event.id());
      return;
    }
    if (event.type().equals(UserEvents.UPDATED) || !event.changedAttributes().isEmpty()) {
      ArrayNode attributes = payload.putArray("attributes");
      event.changedAttributes().forEach(attributes::add);
    }
    Subject subject = event.subject();
    subject.appId().ifPresent(a -> payload.put("captureApplicationId", a));
    payload.put("entityType", "user");
    payload.put("sub", subject.userId());
    payload.put("id", event.id());
  }
}
