package dev.hookline;

import java.util.Objects;

/**
 * One rule that one field broke: which field, what is wrong, and what is allowed.
 *
 * <p>Never carries the rejected value itself, so that a secret typed into the wrong field cannot
 * leak through an error message. Immutable and thread-safe.
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
