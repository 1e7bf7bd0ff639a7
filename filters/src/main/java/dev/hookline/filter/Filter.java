package dev.hookline.filter;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Event;
import dev.hookline.InvalidFilterException;
import dev.hookline.filter.internal.Junction;
import dev.hookline.filter.internal.Limits;
import dev.hookline.filter.internal.Node;
import dev.hookline.filter.internal.Not;
import dev.hookline.spi.CompiledFilter;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A predicate over {@link Event}s: which events a webhook wants. Build one with {@link Filters}
 * (Java), {@link Filters#parse(String)} (text) or {@link Filters#fromJson} (JSON).
 *
 * <p>Two filters are equal when they have the same structure; {@link #canonicalText()} prints that
 * structure, and parsing it gives an equal filter. {@code a.and(b).and(c)} and {@code
 * a.and(b.and(c))} are the same filter.
 *
 * <p>Immutable and thread-safe: one filter may test events on many threads at once. Testing an
 * event never throws and does bounded work (see docs/filters.md, "Limits").
 */
public final class Filter implements CompiledFilter {
  private final Node node;
  private final String text;

  Filter(Node node) {
    this.node = node;
    this.text = node.text();
    if (text.length() > Limits.MAX_TEXT_LENGTH) {
      // every filter must have a storable text form, so that parse(print(f)) always works
      throw new InvalidFilterException(
          "filter is "
              + text.length()
              + " characters long in text form; at most "
              + Limits.MAX_TEXT_LENGTH
              + " allowed",
          0,
          0);
    }
  }

  /**
   * Returns whether the event passes this filter.
   *
   * @param event the event
   * @return true if the event matches
   */
  @Override
  public boolean test(Event event) {
    return node.test(Objects.requireNonNull(event, "event"));
  }

  /**
   * Returns a filter that matches when both this and {@code other} match.
   *
   * @param other the other filter
   * @return the conjunction
   * @throws dev.hookline.InvalidFilterException if the result nests too deeply
   */
  public Filter and(Filter other) {
    return new Filter(Junction.and(List.of(node, Objects.requireNonNull(other, "other").node)));
  }

  /**
   * Returns a filter that matches when this or {@code other} matches.
   *
   * @param other the other filter
   * @return the disjunction
   * @throws dev.hookline.InvalidFilterException if the result nests too deeply
   */
  public Filter or(Filter other) {
    return new Filter(Junction.or(List.of(node, Objects.requireNonNull(other, "other").node)));
  }

  /**
   * Returns a filter that matches exactly when this one does not.
   *
   * @return the negation
   * @throws dev.hookline.InvalidFilterException if the result nests too deeply
   */
  @Override
  public Filter negate() {
    return new Filter(Not.of(node));
  }

  /**
   * Returns the canonical text form, such as {@code type == "user.updated" and changed("email")}.
   *
   * @return the canonical text
   */
  @Override
  public String canonicalText() {
    return text;
  }

  /**
   * Returns the canonical JSON form, such as {@code {"$and":[{"type":{"$eq":"user.updated"}},
   * {"$changed":["email"]}]}}. The returned node is a fresh copy the caller may change.
   *
   * @return the JSON form
   */
  public ObjectNode toJson() {
    return node.toJson();
  }

  Node node() {
    return node;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Filter f && node.equals(f.node);
  }

  @Override
  public int hashCode() {
    return node.hashCode();
  }

  /** Returns the canonical text. */
  @Override
  public String toString() {
    return text;
  }
}
