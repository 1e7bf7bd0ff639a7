package dev.hookline.receiver;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
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
  private final JsonNode data;
  private final byte[] rawBody;
  // When the replay guard's entry for this id may end; null when no webhook-id was guarded.
  private final @Nullable Instant guardedUntil;

  Notification(
      String id,
      String type,
      Instant timestamp,
      JsonNode data,
      byte[] rawBody,
      @Nullable Instant guardedUntil) {
    this.id = Objects.requireNonNull(id, "id");
    this.type = Objects.requireNonNull(type, "type");
    this.timestamp = Objects.requireNonNull(timestamp, "timestamp");
    this.data = Objects.requireNonNull(data, "data");
    this.rawBody = rawBody.clone();
    this.guardedUntil = guardedUntil;
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
        && data.equals(n.data)
        && Arrays.equals(rawBody, n.rawBody);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, type, timestamp);
  }
}
