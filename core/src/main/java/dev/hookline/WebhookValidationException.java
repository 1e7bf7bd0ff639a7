package dev.hookline;

import java.util.List;

/**
 * A webhook definition broke one or more rules; {@link #violations()} lists each field, the problem
 * and what is allowed. Thrown by {@link WebhookRegistry#create} and {@link WebhookRegistry#update}.
 *
 * <p>Immutable and thread-safe.
 */
public final class WebhookValidationException extends ValidationException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param violations every rule broken; must not be empty
   */
  public WebhookValidationException(List<Violation> violations) {
    super("webhook", violations);
  }
}
