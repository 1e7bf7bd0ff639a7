package dev.hookline;

import java.util.List;

/**
 * An {@link Event} under construction broke one or more rules; thrown by the event builder.
 *
 * <p>Immutable and thread-safe.
 */
public final class EventValidationException extends ValidationException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param violations every rule broken; must not be empty
   */
  public EventValidationException(List<Violation> violations) {
    super("event", violations);
  }
}
