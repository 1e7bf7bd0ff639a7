package dev.hookline.delivery;

import dev.hookline.HooklineException;
import dev.hookline.WebhookFormat;

/**
 * Thrown by {@link Dispatcher#startVerification} and {@link Dispatcher#sendTest} for a webhook in a
 * {@link WebhookFormat} this dispatcher was built without: it could not send the webhook anything,
 * so it does not start the handshake that would let it receive events.
 *
 * <p>Immutable and thread-safe.
 */
public final class FormatUnavailableException extends HooklineException {
  private static final long serialVersionUID = 1L;

  private final String webhookId;
  private final WebhookFormat format;

  /**
   * Creates the exception.
   *
   * @param webhookId the webhook
   * @param format its format
   */
  public FormatUnavailableException(String webhookId, WebhookFormat format) {
    super(message(webhookId, format));
    this.webhookId = webhookId;
    this.format = format;
  }

  /**
   * The explanation used here and in the attempt detail of a notification that could not be
   * written.
   *
   * @param webhookId the webhook
   * @param format its format
   * @return the message
   */
  static String message(String webhookId, WebhookFormat format) {
    return "Webhook '"
        + webhookId
        + "' uses the "
        + format
        + " format, which this dispatcher was built without: add its implementation with"
        + " Dispatcher.Builder.notificationFormat(...)"
        + (format == WebhookFormat.SECURITY_EVENT_TOKEN ? " (from hookline-set)" : "");
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
   * Returns the format the dispatcher lacks.
   *
   * @return the format
   */
  public WebhookFormat format() {
    return format;
  }
}
