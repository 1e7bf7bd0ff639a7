package dev.hookline.delivery.spi;

import dev.hookline.Event;
import dev.hookline.Webhook;
import dev.hookline.WebhookFormat;
import java.time.Instant;
import java.util.Optional;

/**
 * Writes notifications in one {@link WebhookFormat} other than the built-in Standard Webhooks
 * format: the body, its content type and any headers of its own. The dispatcher adds {@code
 * Authorization: Bearer <api key>} and {@code User-Agent}, sends, and records the attempt. Given to
 * {@code Dispatcher.Builder.notificationFormat}; the {@code hookline-set} module provides the
 * {@link WebhookFormat#SECURITY_EVENT_TOKEN} one, so that the core sending path needs no JOSE
 * library.
 *
 * <p>Implementations must be thread-safe: many workers render at once.
 */
public interface NotificationFormat {

  /**
   * Returns the format this implementation writes.
   *
   * @return the format; never {@link WebhookFormat#STANDARD_WEBHOOKS}, which is built in
   */
  WebhookFormat format();

  /**
   * Renders one attempt's notification. Called for every attempt; whatever must stay the same
   * across retries (an id) comes from the event.
   *
   * @param event the event
   * @param webhook the webhook it goes to
   * @param now the attempt's time
   * @return what to POST
   * @throws RuntimeException if it cannot be rendered; the attempt fails as an internal error with
   *     the exception's type in its detail and is retried on the webhook's schedule; being a fault
   *     on the sending side, it is not held against the endpoint (its circuit breaker and failure
   *     clock do not count it). The message must not hold a secret
   */
  RenderedNotification render(Event event, Webhook webhook, Instant now);

  /**
   * Reads an error code from a failed response, for the attempt's detail (RFC 8935's {@code err},
   * for example). Default: none.
   *
   * @param status the HTTP status, not 2xx
   * @param body the start of the response body
   * @return the code, if the body carries one
   */
  default Optional<String> errorCode(int status, String body) {
    return Optional.empty();
  }
}
