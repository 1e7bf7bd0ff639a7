package dev.hookline.receiver;

/**
 * The application's code that processes a verified notification, called by {@link
 * VerifyingHandler}. Returning normally means the notification is processed and the sender is
 * answered 204; throwing means it is not, and the sender is answered 500 and retries.
 *
 * <p>Implementations must be thread-safe: the HTTP server may call them concurrently. Delivery is
 * at-least-once: deduplicate on {@link Notification#id()} where processing twice matters.
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
