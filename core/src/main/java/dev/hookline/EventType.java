package dev.hookline;

import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A kind of event: its wire name (what a listener receives in {@code type}, for example {@code
 * user.created}), a display name for people ({@code User created}), and whether webhooks may
 * subscribe to it.
 *
 * <p>Two event types are equal when their wire names are equal. Immutable and thread-safe.
 */
public final class EventType {
  /** Wire names: two or more dot-separated lower-case segments, at most 100 characters. */
  private static final Pattern WIRE_NAME = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+");

  /** The event {@code sendTest} delivers; exists for every webhook, never subscribed to. */
  public static final EventType WEBHOOK_TEST = new EventType("webhook.test", "Webhook test", false);

  private final String wireName;
  private final String displayName;
  private final boolean subscribable;

  private EventType(String wireName, String displayName, boolean subscribable) {
    this.wireName = wireName;
    this.displayName = displayName;
    this.subscribable = subscribable;
  }

  /**
   * Creates a subscribable event type.
   *
   * @param wireName dot-separated lower-case segments such as {@code invoice.paid}
   * @param displayName a short name for people, such as {@code Invoice paid}
   * @return the event type
   * @throws IllegalArgumentException if the wire name is malformed or the display name blank
   */
  public static EventType of(String wireName, String displayName) {
    return create(wireName, displayName, true);
  }

  /**
   * Creates an event type that exists (events of this type can be built and published) but that
   * webhooks cannot subscribe to yet; subscribing fails with a "not currently supported" error.
   *
   * @param wireName dot-separated lower-case segments
   * @param displayName a short name for people
   * @return the event type
   * @throws IllegalArgumentException if the wire name is malformed or the display name blank
   */
  public static EventType unsupported(String wireName, String displayName) {
    return create(wireName, displayName, false);
  }

  private static EventType create(String wireName, String displayName, boolean subscribable) {
    Objects.requireNonNull(wireName, "wireName");
    Objects.requireNonNull(displayName, "displayName");
    if (wireName.length() > 100 || !WIRE_NAME.matcher(wireName).matches()) {
      throw new IllegalArgumentException(
          "Event type wire name '"
              + wireName
              + "' is malformed: expected dot-separated lower-case segments such as"
              + " 'user.created' (letters, digits, '_'; at most 100 characters)");
    }
    if (displayName.isBlank()) {
      throw new IllegalArgumentException("Event type '" + wireName + "' needs a display name");
    }
    return new EventType(wireName, displayName, subscribable);
  }

  /**
   * Returns whether the name is a well-formed wire name.
   *
   * @param name a candidate wire name
   * @return true if {@code name} could name an event type
   */
  public static boolean isWellFormed(String name) {
    return name.length() <= 100 && WIRE_NAME.matcher(name).matches();
  }

  /**
   * Returns the wire name, as listeners see it in a notification's {@code type}.
   *
   * @return the wire name
   */
  public String wireName() {
    return wireName;
  }

  /**
   * Returns the display name for people.
   *
   * @return the display name
   */
  public String displayName() {
    return displayName;
  }

  /**
   * Returns whether webhooks may subscribe to this type.
   *
   * @return true if subscribable
   */
  public boolean subscribable() {
    return subscribable;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof EventType other && wireName.equals(other.wireName);
  }

  @Override
  public int hashCode() {
    return wireName.hashCode();
  }

  @Override
  public String toString() {
    return wireName;
  }
}
