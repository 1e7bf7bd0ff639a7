package dev.hookline;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Input broke one or more rules. Every broken rule is reported at once, as a {@link Violation} that
 * names the field, the problem and what is allowed.
 *
 * <p>Immutable and thread-safe: {@link #violations()} is a copy made when it is thrown.
 */
public class ValidationException extends HooklineException {
  private static final long serialVersionUID = 1L;

  @SuppressWarnings("serial") // List.copyOf gives a serializable immutable list
  private final List<Violation> violations;

  /**
   * Creates the exception.
   *
   * @param subject what was being validated, for example {@code webhook} or {@code event}
   * @param violations every rule broken; must not be empty
   * @throws IllegalArgumentException if {@code violations} is empty
   */
  public ValidationException(String subject, List<Violation> violations) {
    super(message(subject, violations));
    this.violations = List.copyOf(violations);
  }

  private static String message(String subject, List<Violation> violations) {
    if (violations.isEmpty()) {
      throw new IllegalArgumentException("a validation exception needs at least one violation");
    }
    return "Invalid "
        + subject
        + ": "
        + violations.stream().map(Violation::toString).collect(Collectors.joining("; "));
  }

  /**
   * Returns every rule that was broken, in the order the fields were checked.
   *
   * @return the violations, never empty
   */
  public List<Violation> violations() {
    return violations;
  }

  /**
   * Returns whether a rule on the given field was broken.
   *
   * @param field the field name
   * @return true if at least one violation names {@code field}
   */
  public boolean hasViolation(String field) {
    return violations.stream().anyMatch(v -> v.field().equals(field));
  }
}
