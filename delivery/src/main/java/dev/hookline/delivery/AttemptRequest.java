package dev.hookline.delivery;

import dev.hookline.Delivery;
import dev.hookline.Webhook;
import java.net.URI;
import java.util.Optional;

/**
 * One attempt about to be made, as an {@link AttemptObserver} sees it: what is sent where, and a
 * way to add request headers.
 *
 * <p>Not thread-safe: used by the worker thread that makes the attempt. Headers can be added only
 * during {@link AttemptObserver#beforeAttempt}; the other methods may be called later too.
 */
public interface AttemptRequest {

  /**
   * Returns the delivery as claimed (state {@code IN_FLIGHT}, without this attempt).
   *
   * @return the delivery
   */
  Delivery delivery();

  /**
   * Returns the webhook the attempt goes to, as the dispatcher knows it now.
   *
   * @return the webhook
   */
  Webhook webhook();

  /**
   * Returns the delivery's id.
   *
   * @return the id
   */
  default String deliveryId() {
    return delivery().id();
  }

  /**
   * Returns the event type's wire name, such as {@code user.created}.
   *
   * @return the event type
   */
  default String eventType() {
    return delivery().event().type().wireName();
  }

  /**
   * Returns the attempt's number within the delivery: 1 for the first.
   *
   * @return the number, 1 or more
   */
  int attemptNumber();

  /**
   * Returns the HTTP method: {@code POST}.
   *
   * @return the method
   */
  String method();

  /**
   * Returns the endpoint's URI. It may carry secrets in its path or query: redact it before logging
   * or exporting it.
   *
   * @return the URI
   */
  URI uri();

  /**
   * Returns the endpoint's URI as Hookline's logs show it: scheme, host and port, with {@code /…}
   * in place of a path or query, which capability URLs use as their secret. Safe to log and export.
   *
   * @return the redacted URI
   */
  String redactedUri();

  /**
   * Returns the context captured where the event was published, by the dispatcher's {@link
   * PublishContextCapturer}, if any.
   *
   * @return the context
   */
  default Optional<String> publishContext() {
    return delivery().publishContext();
  }

  /**
   * Adds a header to the request. Hookline's own headers cannot be added or overridden: {@code
   * Authorization}, {@code Content-Type}, {@code User-Agent}, every {@code webhook-*} header, and
   * the headers the HTTP client manages itself ({@code Host}, {@code Content-Length}, {@code
   * Connection}, {@code Expect}, {@code Upgrade}).
   *
   * @param name the header's name, an HTTP token
   * @param value the value, printable ASCII
   * @return this request
   * @throws IllegalArgumentException if the name is reserved or malformed, or the value malformed
   * @throws IllegalStateException if called after {@link AttemptObserver#beforeAttempt} returned
   */
  AttemptRequest header(String name, String value);
}
