package dev.hookline.receiver;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A verified notification: the parsed fields of the body and the raw bytes that were signed.
 *
 * <p>Immutable and thread-safe: {@link #data()} and {@link #rawBody()} return copies. {@link
 * #toString()} shows the id, type and timestamp only, never the data (it may hold personal data).
 */
public final class Notification {
  private final String id;
  private final String type;
  private final Instant timestamp;
  private final Optional<Subject> subject;
  private final List<String> changed;
  private final JsonNode data;
  private final byte[] rawBody;
  // When the replay guard's entry for this id may end; null when no webhook-id was guarded.
  private final @Nullable Instant guardedUntil;
  // The until the replay guard's begin was given: which entry this notification owns.
  private final @Nullable Instant inProgressUntil;

  Notification(
      String id,
      String type,
      Instant timestamp,
      Optional<Subject> subject,
      List<String> changed,
      JsonNode data,
      byte[] rawBody,
      @Nullable Instant guardedUntil,
      @Nullable Instant inProgressUntil) {
    this.id = Objects.requireNonNull(id, "id");
    this.type = Objects.requireNonNull(type, "type");
    this.timestamp = Objects.requireNonNull(timestamp, "timestamp");
    this.subject = Objects.requireNonNull(subject, "subject");
    this.changed = List.copyOf(changed);
    this.data = Objects.requireNonNull(data, "data");
    this.rawBody = rawBody.clone();
    this.guardedUntil = guardedUntil;
    this.inProgressUntil = inProgressUntil;
  }

  /**
   * Whom an event is about, from the body's {@code subject} object. Immutable and thread-safe.
   *
   * @param userId the user the event is about ({@code user_id}); never empty
   * @param appId the application it happened in ({@code app_id}), if the sender named one
   * @param tenant the tenant it belongs to ({@code tenant}), if the sender named one
   */
  public record Subject(String userId, Optional<String> appId, Optional<String> tenant) {
    /**
     * Checks the components.
     *
     * @param userId the user the event is about
     * @param appId the application, if named
     * @param tenant the tenant, if named
     */
    public Subject {
      Objects.requireNonNull(userId, "userId");
      Objects.requireNonNull(appId, "appId");
      Objects.requireNonNull(tenant, "tenant");
    }
  }

  /**
   * Returns the event id: stable across the sender's retries, equal to the {@code webhook-id}
   * header. Use it as the idempotency key: delivery is at-least-once.
   *
   * @return the id, e.g. {@code evt_...}
   */
  public String id() {
    return id;
  }

  /**
   * Returns the event type's wire name.
   *
   * @return the type, e.g. {@code user.created}
   */
  public String type() {
    return type;
  }

  /**
   * Returns when the event happened, as the sender stated it in the body.
   *
   * @return the event time
   */
  public Instant timestamp() {
    return timestamp;
  }

  /**
   * Returns whom the event is about: the body's {@code subject}. Empty when the body has none
   * (senders before the subject was added to the notification).
   *
   * @return the subject, if the body has one
   */
  public Optional<Subject> subject() {
    return subject;
  }

  /**
   * Returns the names of the attributes that changed, from the body's {@code changed} array (for
   * example on {@code user.updated}), in the sender's order.
   *
   * @return an unmodifiable list; empty when the body has no {@code changed}
   */
  public List<String> changed() {
    return changed;
  }

  /**
   * Returns the event's data object. Each call returns a fresh copy, so keep it if you read it more
   * than once.
   *
   * @return a copy of the {@code data} JSON object
   */
  public JsonNode data() {
    return data.deepCopy();
  }

  /**
   * Returns the body exactly as it was received and signed, e.g. to bind it to your own types.
   *
   * @return a copy of the raw body
   */
  public byte[] rawBody() {
    return rawBody.clone();
  }

  /**
   * Returns the size of the raw body, without copying it.
   *
   * @return the body length in bytes
   */
  public int rawBodyLength() {
    return rawBody.length;
  }

  @Nullable Instant guardedUntil() {
    return guardedUntil;
  }

  @Nullable Instant inProgressUntil() {
    return inProgressUntil;
  }

  @Override
  public String toString() {
    return "Notification[id="
        + id
        + ", type="
        + type
        + ", timestamp="
        + timestamp
        + ", body="
        + rawBody.length
        + " bytes]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Notification n
        && id.equals(n.id)
        && type.equals(n.type)
        && timestamp.equals(n.timestamp)
        && subject.equals(n.subject)
        && changed.equals(n.changed)
        && data.equals(n.data)
        && Arrays.equals(rawBody, n.rawBody);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, type, timestamp);
  }
}
