package dev.hookline;

/**
 * No webhook has the given id (it never existed, or it was deleted).
 *
 * <p>Immutable and thread-safe.
 */
public final class WebhookNotFoundException extends HooklineException {
  private static final long serialVersionUID = 1L;

  private final String webhookId;

  /**
   * Creates the exception.
   *
   * @param webhookId the id that was looked up
   */
  public WebhookNotFoundException(String webhookId) {
    super("No webhook with id '" + webhookId + "'");
    this.webhookId = webhookId;
  }

  /**
   * Returns the id that was looked up.
   *
   * @return the webhook id
   */
  public String webhookId() {
    return webhookId;
  }
}
