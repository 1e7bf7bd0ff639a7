package dev.hookline.receiver.set;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hookline.receiver.Notification;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A verified Security Event Token: its claims and its one event, in Hookline's shape or in that of
 * Akamai Identity Cloud Webhooks v3 (Hookline's {@code SetClaims.AKAMAI_IDENTITY_CLOUD}). The
 * accessors read both alike: {@link #type()} is Hookline's name for the event, {@link #eventId()}
 * the event's id, {@link #subject()} whom it is about.
 *
 * <p>Immutable and thread-safe ({@link #data()} is a read-only copy by contract: do not change it).
 * {@link #toString()} shows ids, not data.
 */
public final class SecurityEvent {
  private final String jti;
  private final String eventId;
  private final String issuer;
  private final List<String> audience;
  private final Instant issuedAt;
  private final Optional<Instant> occurredAt;
  private final String typeUri;
  private final String type;
  private final Optional<Notification.Subject> subject;
  private final List<String> changed;
  private final JsonNode data;
  private final String keyId;
  private final String token;
  private final String replayKey;
  private final Instant guardedUntil;
  private final Instant inProgressUntil;

  SecurityEvent(
      String jti,
      String eventId,
      String issuer,
      List<String> audience,
      Instant issuedAt,
      Optional<Instant> occurredAt,
      String typeUri,
      String type,
      Optional<Notification.Subject> subject,
      List<String> changed,
      JsonNode data,
      String keyId,
      String token,
      String replayKey,
      Instant guardedUntil,
      Instant inProgressUntil) {
    this.jti = jti;
    this.eventId = eventId;
    this.issuer = issuer;
    this.audience = List.copyOf(audience);
    this.issuedAt = issuedAt;
    this.occurredAt = occurredAt;
    this.typeUri = typeUri;
    this.type = type;
    this.subject = subject;
    this.changed = List.copyOf(changed);
    this.data = data;
    this.keyId = keyId;
    this.token = token;
    this.replayKey = replayKey;
    this.guardedUntil = guardedUntil;
    this.inProgressUntil = inProgressUntil;
  }

  /**
   * Returns the token id ({@code jti}), the same on every retry of one notification, which the
   * replay guard keys on together with the issuer and the audience. Hookline's sender writes a UUID
   * per event and webhook in both shapes; {@link #eventId()} is the event.
   *
   * @return the id
   */
  public String jti() {
    return jti;
  }

  /**
   * Returns the event's id, the same in every webhook's notification of the event: in Hookline's
   * shape the {@code txn} claim (or the {@code jti} of a token without one), in Akamai's the
   * event's {@code id} member.
   *
   * @return the id
   */
  public String eventId() {
    return eventId;
  }

  /**
   * Returns the issuer ({@code iss}).
   *
   * @return the issuer
   */
  public String issuer() {
    return issuer;
  }

  /**
   * Returns the audience ({@code aud}), as one or more values.
   *
   * @return the audience
   */
  public List<String> audience() {
    return audience;
  }

  /**
   * Returns when the token was issued ({@code iat}): the sender's attempt time.
   *
   * @return the issue time
   */
  public Instant issuedAt() {
    return issuedAt;
  }

  /**
   * Returns when the event occurred ({@code toe}), if the token says, to the second. The verifier
   * refuses a token whose {@code toe} is not a NumericDate in years 1 to 9999, so empty means the
   * token has none.
   *
   * @return the time of the event
   */
  public Optional<Instant> occurredAt() {
    return occurredAt;
  }

  /**
   * Returns the event type's URI: the one member of {@code events}, as sent ({@code entityUpdated}
   * in Akamai's shape).
   *
   * @return the URI
   */
  public String typeUri() {
    return typeUri;
  }

  /**
   * Returns the event type: the URI without the verifier's event type prefix ({@code
   * user.created}), or the whole URI when it does not start with the prefix. Akamai's {@code
   * entityCreated}, {@code entityUpdated}, {@code entityDeleted} and {@code test} are given as
   * {@code user.created}, {@code user.updated}, {@code user.deleted} and {@code webhook.test}.
   *
   * @return the type
   */
  public String type() {
    return type;
  }

  /**
   * Returns whom the event is about, if the event says: its {@code subject}, or in Akamai's shape
   * its {@code sub} (the user id) and {@code captureApplicationId} (the app id), with no tenant.
   *
   * @return the subject
   */
  public Optional<Notification.Subject> subject() {
    return subject;
  }

  /**
   * Returns the changed attributes ({@code changed}, or {@code attributes} in Akamai's shape),
   * empty if none.
   *
   * @return attribute names
   */
  public List<String> changed() {
    return changed;
  }

  /**
   * Returns the event's data, an empty object if it has none. In Akamai's shape, which has no data,
   * it is the event's whole object ({@code sub}, {@code id} and any member such as Akamai's {@code
   * globalSub} or {@code credentialType}).
   *
   * @return the data
   */
  public JsonNode data() {
    return data;
  }

  /**
   * Returns the id of the key that signed the token.
   *
   * @return the {@code kid}
   */
  public String keyId() {
    return keyId;
  }

  /**
   * Returns the token as received.
   *
   * @return the compact JWS
   */
  public String token() {
    return token;
  }

  String replayKey() {
    return replayKey;
  }

  Instant guardedUntil() {
    return guardedUntil;
  }

  /** The until the replay guard's begin was given: which entry this event owns. */
  Instant inProgressUntil() {
    return inProgressUntil;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof SecurityEvent e && token.equals(e.token);
  }

  @Override
  public int hashCode() {
    return Objects.hash(token);
  }

  @Override
  public String toString() {
    return "SecurityEvent[jti="
        + jti
        + (eventId.equals(jti) ? "" : ", eventId=" + eventId)
        + ", type="
        + type
        + ", kid="
        + keyId
        + "]";
  }
}
