package dev.hookline;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The event types an application knows: the built-in {@link UserEvents} and {@link
 * EventType#WEBHOOK_TEST}, plus any the application registers. Webhooks may subscribe only to types
 * in the catalogue that are {@linkplain EventType#subscribable() subscribable}.
 *
 * <p>Immutable and thread-safe; build one with {@link #builder()}.
 */
public final class EventCatalogue {
  private static final EventCatalogue STANDARD = builder().build();

  private final Map<String, EventType> types;

  private EventCatalogue(Map<String, EventType> types) {
    this.types = types;
  }

  /**
   * Returns the catalogue of the built-in user events and {@code webhook.test}.
   *
   * @return the standard catalogue
   */
  public static EventCatalogue standard() {
    return STANDARD;
  }

  /**
   * Returns a builder that starts with the standard types.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Looks up a type by wire name.
   *
   * @param wireName for example {@code user.created}
   * @return the type, or empty if the catalogue does not know it
   */
  public Optional<EventType> find(String wireName) {
    return Optional.ofNullable(types.get(Objects.requireNonNull(wireName, "wireName")));
  }

  /**
   * Returns every type, in registration order.
   *
   * @return all types
   */
  public List<EventType> all() {
    return List.copyOf(types.values());
  }

  /**
   * Returns the types webhooks may subscribe to, in registration order.
   *
   * @return the subscribable types
   */
  public List<EventType> subscribable() {
    return types.values().stream().filter(EventType::subscribable).toList();
  }

  /**
   * Returns whether the catalogue holds the type (same wire name).
   *
   * @param type the type
   * @return true if known
   */
  public boolean contains(EventType type) {
    return types.containsKey(type.wireName());
  }

  /** Builds an {@link EventCatalogue}. Not thread-safe. */
  public static final class Builder {
    private final Map<String, EventType> types = new LinkedHashMap<>();

    private Builder() {
      UserEvents.ALL.forEach(this::add);
      add(EventType.WEBHOOK_TEST);
    }

    /**
     * Adds an application-defined type.
     *
     * @param type the type
     * @return this builder
     * @throws IllegalArgumentException if another type already uses the wire name
     */
    public Builder add(EventType type) {
      Objects.requireNonNull(type, "type");
      EventType existing = types.putIfAbsent(type.wireName(), type);
      if (existing != null && !sameDefinition(existing, type)) {
        throw new IllegalArgumentException(
            "Event type '" + type.wireName() + "' is already in the catalogue");
      }
      return this;
    }

    private static boolean sameDefinition(EventType a, EventType b) {
      return a.displayName().equals(b.displayName()) && a.subscribable() == b.subscribable();
    }

    /**
     * Adds several application-defined types.
     *
     * @param more the types
     * @return this builder
     */
    public Builder addAll(Collection<EventType> more) {
      new ArrayList<>(more).forEach(this::add);
      return this;
    }

    /**
     * Returns the catalogue.
     *
     * @return an immutable catalogue
     */
    public EventCatalogue build() {
      return new EventCatalogue(java.util.Collections.unmodifiableMap(new LinkedHashMap<>(types)));
    }
  }
}
