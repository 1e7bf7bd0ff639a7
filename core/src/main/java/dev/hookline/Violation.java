package dev.hookline;

import java.util.Objects;

/**
 * One rule that one field broke: which field, what is wrong, and what is allowed.
 *
 * <p>Never carries a rejected value that could hold a secret typed into the wrong field: a URI, an
 * API key or a signing secret is described, not quoted. A filter's problem quotes at most a short
 * piece of the filter where it went wrong (clipped to 60 characters), so that the caller can find
 * it. Where a rule refused a name it looked up, the name is quoted so that the caller can find it:
 * an unknown event type, a URI's scheme, or the host name or IP literal of a refused address
 * (clipped to 100 characters, control characters replaced; never a URI's path, query or user-info,
 * nor what a host name resolved to). Immutable and thread-safe.
 *
 * @param field the field's name as the API spells it, for example {@code uri} or {@code events}
 * @param problem what is wrong with the value given
 * @param allowed what the field accepts
 */
public record Violation(String field, String problem, String allowed) {

  /** Checks that no component is null. */
  public Violation {
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(problem, "problem");
    Objects.requireNonNull(allowed, "allowed");
  }

  @Override
  public String toString() {
    return field + ": " + problem + " (allowed: " + allowed + ")";
  }
}
