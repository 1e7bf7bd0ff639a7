package dev.hookline.internal;

import dev.hookline.Event;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Builds an event a Store reads back. The rules {@link Event.Builder#build()} applies to a new
 * event can tighten from one version to the next (data depth: none, then 999, then 900 levels); a
 * row written under an earlier rule must still read back, or a claim skips it at every lease and
 * its delivery is never sent, failed or purged. {@code Event} installs the builder when its class
 * is initialised, which has happened before anyone holds an {@code Event.Builder}. Not API.
 *
 * <p>Thread-safe.
 */
public final class StoredEvents {
  private static volatile @Nullable Function<Event.Builder, Event> build;

  private StoredEvents() {}

  /**
   * Installs the builder. Called once, by {@code Event}.
   *
   * @param builder builds a stored event
   * @throws IllegalStateException if a builder is installed already
   */
  public static synchronized void install(Function<Event.Builder, Event> builder) {
    Objects.requireNonNull(builder, "builder");
    if (build != null) {
      throw new IllegalStateException("the stored-event builder is installed already");
    }
    build = builder;
  }

  /**
   * Builds an event read back from a Store: as {@link Event.Builder#build()}, except that its data
   * may be as deep as a Store could write it before the current rule.
   *
   * @param builder the event's values as read
   * @return the event
   * @throws dev.hookline.EventValidationException if the values break a rule stored events keep
   */
  public static Event build(Event.Builder builder) {
    Objects.requireNonNull(builder, "builder");
    Function<Event.Builder, Event> b = build;
    if (b == null) {
      // Cannot happen: holding a builder means Event, which installs it, is initialised.
      throw new IllegalStateException("Event is not initialised");
    }
    return b.apply(builder);
  }
}
