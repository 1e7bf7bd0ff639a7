package dev.hookline.delivery;

import dev.hookline.Event;
import java.util.Optional;

/**
 * Captures a context where an event is published, such as the current trace's W3C {@code
 * traceparent}, to keep with each of the event's deliveries (in the Store, so it survives a
 * restart). Attempts, made later and maybe in another process, see it as {@link
 * AttemptRequest#publishContext()}. Set with {@link Dispatcher.Builder#publishContext}.
 *
 * <p>Called on the publishing thread, once per published event, before the Store write; it must be
 * thread-safe and quick. A capturer that throws, or returns a context that is too long or holds a
 * control character, is logged and the event is published without a context.
 */
@FunctionalInterface
public interface PublishContextCapturer {

  /**
   * Captures the context of the calling thread for an event being published.
   *
   * @param event the event
   * @return the context, 1 to {@value dev.hookline.Delivery#MAX_PUBLISH_CONTEXT_CHARS} characters
   *     without control characters, or empty for none
   */
  Optional<String> capture(Event event);
}
