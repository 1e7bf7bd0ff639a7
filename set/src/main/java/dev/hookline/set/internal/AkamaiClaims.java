package dev.hookline.set.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Event;
import dev.hookline.EventType;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.UUID;

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
    root.put("jti", uuid("jti", event.id(), webhook.id()));
    root.put("aud", webhook.audience().orElse(webhook.uri().toString()));
    root.put("txn", uuid("txn", event.id()));
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

  /**
   * A UUID (RFC 9562 version 8) from SHA-256 of the parts: the same parts give the same UUID, so a
   * retry's token has the same {@code jti}, and it has the form of Akamai's ids.
   */
  static String uuid(String label, String... parts) {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
    sha256.update(("hookline-set-" + label).getBytes(StandardCharsets.UTF_8));
    for (String part : parts) {
      byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
      // length-prefixed, so that ("ab", "c") and ("a", "bc") differ
      sha256.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
      sha256.update(bytes);
    }
    ByteBuffer hash = ByteBuffer.wrap(sha256.digest());
    long high = (hash.getLong() & ~0xF000L) | 0x8000L; // version 8
    long low = (hash.getLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L; // variant 10
    return new UUID(high, low).toString();
  }
}
