package dev.hookline.receiver;

/**
 * The application's code that processes a verified notification, called by {@link
 * VerifyingHandler}. Returning normally means the notification is processed and the sender is
 * answered 204; throwing means it is not, and the sender is answered 500 and retries.
 *
 * <p>Implementations must be thread-safe: the HTTP server may call them concurrently (never with
 * the same id at once while the replay guard holds it). The sender's retries of a notification that
 * returned normally are acknowledged without calling it again, as long as the replay guard
 * remembers the id ({@link WebhookVerifier.Builder#rememberProcessedFor}); after that, or if the
 * process died before answering, it may be called again: deduplicate on {@link Notification#id()}
 * in your own store where processing twice matters.
 */
@FunctionalInterface
public interface NotificationConsumer {
  /**
   * Processes a verified notification.
   *
   * @param notification the verified notification
   * @throws Exception if it could not be processed; the sender will retry
   */
  void accept(Notification notification) throws Exception;
}
