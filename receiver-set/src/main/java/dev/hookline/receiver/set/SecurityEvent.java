package dev.hookline.receiver.set;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hookline.receiver.Notification;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A verified Security Event Token: its claims and its one event.
 *
 * <p>Immutable and thread-safe ({@link #data()} is a read-only copy by contract: do not change it).
 * {@link #toString()} shows ids, not data.
 */
public final class SecurityEvent {
  private final String jti;
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
  private final Instant guardedUntil;

  SecurityEvent(
      String jti,
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
      Instant guardedUntil) {
    this.jti = jti;
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
    this.guardedUntil = guardedUntil;
  }

  /**
   * Returns the token id ({@code jti}): the event id, the same on every retry.
   *
   * @return the id
   */
  public String jti() {
    return jti;
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
   * Returns when the event occurred ({@code toe}), if the token says.
   *
   * @return the time of the event
   */
  public Optional<Instant> occurredAt() {
    return occurredAt;
  }

  /**
   * Returns the event type's URI: the one member of {@code events}.
   *
   * @return the URI
   */
  public String typeUri() {
    return typeUri;
  }

  /**
   * Returns the event type: the URI without the verifier's event type prefix ({@code
   * user.created}), or the whole URI when it does not start with the prefix.
   *
   * @return the type
   */
  public String type() {
    return type;
  }

  /**
   * Returns whom the event is about, if the event has a {@code subject}.
   *
   * @return the subject
   */
  public Optional<Notification.Subject> subject() {
    return subject;
  }

  /**
   * Returns the changed attributes, empty if none.
   *
   * @return attribute names
   */
  public List<String> changed() {
    return changed;
  }

  /**
   * Returns the event's data, an empty object if it has none.
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

  Instant guardedUntil() {
    return guardedUntil;
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
    return "SecurityEvent[jti=" + jti + ", type=" + type + ", kid=" + keyId + "]";
  }
}
