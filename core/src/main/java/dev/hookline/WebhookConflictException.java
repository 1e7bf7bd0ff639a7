package dev.hookline;

/**
 * An update was based on a stale version of a webhook: someone else changed it first. Nothing was
 * written. Re-read the webhook, re-apply the change and try again.
 */
public final class WebhookConflictException extends HooklineException {
  private static final long serialVersionUID = 1L;

  private final String webhookId;
  private final long expectedVersion;
  private final long actualVersion;

  /**
   * Creates the exception.
   *
   * @param webhookId the webhook's id
   * @param expectedVersion the version the update was based on
   * @param actualVersion the version currently stored
   */
  public WebhookConflictException(String webhookId, long expectedVersion, long actualVersion) {
    super(
        "Webhook '"
            + webhookId
            + "' was changed concurrently: the update was based on version "
            + expectedVersion
            + " but the stored version is "
            + actualVersion
            + "; re-read it and apply the change again");
    this.webhookId = webhookId;
    this.expectedVersion = expectedVersion;
    this.actualVersion = actualVersion;
  }

  /**
   * Returns the webhook's id.
   *
   * @return the id
   */
  public String webhookId() {
    return webhookId;
  }

  /**
   * Returns the version the rejected update was based on.
   *
   * @return the expected version
   */
  public long expectedVersion() {
    return expectedVersion;
  }

  /**
   * Returns the version found in the store.
   *
   * @return the stored version
   */
  public long actualVersion() {
    return actualVersion;
  }
}
