package dev.hookline;

/**
 * A change to a webhook could not be made because of another change: see {@link #reason()}. Nothing
 * was written.
 *
 * <p>Immutable and thread-safe.
 */
public final class WebhookConflictException extends HooklineException {
  private static final long serialVersionUID = 1L;

  /** Why the change conflicted. */
  public enum Reason {
    /**
     * The update was based on a stale version: someone else changed the webhook first. Re-read it,
     * re-apply the change and try again.
     */
    STALE_VERSION,
    /** A webhook with the same id already exists. */
    DUPLICATE_ID,
    /**
     * The webhook kept changing concurrently and a state change gave up after many tries. Try again
     * later.
     */
    CONTENDED
  }

  private final Reason reason;
  private final String webhookId;
  private final long expectedVersion;
  private final long actualVersion;

  private WebhookConflictException(
      Reason reason, String webhookId, long expectedVersion, long actualVersion, String message) {
    super(message);
    this.reason = reason;
    this.webhookId = webhookId;
    this.expectedVersion = expectedVersion;
    this.actualVersion = actualVersion;
  }

  /**
   * An update based on {@code expectedVersion} found {@code actualVersion} stored.
   *
   * @param webhookId the webhook's id
   * @param expectedVersion the version the update was based on
   * @param actualVersion the version currently stored
   * @return the exception, with reason {@link Reason#STALE_VERSION}
   */
  public static WebhookConflictException staleVersion(
      String webhookId, long expectedVersion, long actualVersion) {
    return new WebhookConflictException(
        Reason.STALE_VERSION,
        webhookId,
        expectedVersion,
        actualVersion,
        "Webhook '"
            + webhookId
            + "' was changed concurrently: the update was based on version "
            + expectedVersion
            + " but the stored version is "
            + actualVersion
            + "; re-read it and apply the change again");
  }

  /**
   * A webhook with this id already exists.
   *
   * @param webhookId the duplicate id
   * @return the exception, with reason {@link Reason#DUPLICATE_ID}
   */
  public static WebhookConflictException duplicateId(String webhookId) {
    return new WebhookConflictException(
        Reason.DUPLICATE_ID,
        webhookId,
        -1,
        -1,
        "A webhook with id '" + webhookId + "' already exists; ids must be unique");
  }

  /**
   * A state change gave up after {@code tries} attempts lost to concurrent changes.
   *
   * @param webhookId the webhook's id
   * @param tries how many times the change was tried
   * @return the exception, with reason {@link Reason#CONTENDED}
   */
  public static WebhookConflictException contended(String webhookId, int tries) {
    return new WebhookConflictException(
        Reason.CONTENDED,
        webhookId,
        -1,
        -1,
        "Webhook '"
            + webhookId
            + "' kept changing concurrently; gave up after "
            + tries
            + " tries; try again later");
  }

  /**
   * Returns why the change conflicted.
   *
   * @return the reason
   */
  public Reason reason() {
    return reason;
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
   * Returns the version the rejected update was based on, or -1 unless the reason is {@link
   * Reason#STALE_VERSION}.
   *
   * @return the expected version
   */
  public long expectedVersion() {
    return expectedVersion;
  }

  /**
   * Returns the version found in the store, or -1 unless the reason is {@link
   * Reason#STALE_VERSION}.
   *
   * @return the stored version
   */
  public long actualVersion() {
    return actualVersion;
  }
}
