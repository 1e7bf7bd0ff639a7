package dev.hookline.delivery;

import dev.hookline.HooklineException;

/**
 * Thrown by {@link Dispatcher#publish} when an event's notification body is larger than the
 * dispatcher's limit; nothing is enqueued.
 *
 * <p>Immutable and thread-safe.
 */
public final class PayloadTooLargeException extends HooklineException {
  private static final long serialVersionUID = 1L;

  private final String eventId;
  private final long size;
  private final long limit;

  /**
   * Creates the exception.
   *
   * @param eventId the event
   * @param size the body's size in bytes
   * @param limit the limit in bytes
   */
  public PayloadTooLargeException(String eventId, long size, long limit) {
    super(
        "Event '"
            + eventId
            + "' is too large to send: its notification body is "
            + size
            + " bytes, the limit is "
            + limit
            + " bytes. Send less data in the event (for example ids the listener can look up),"
            + " or raise Dispatcher.Builder.maxPayloadBytes");
    this.eventId = eventId;
    this.size = size;
    this.limit = limit;
  }

  /**
   * Returns the event's id.
   *
   * @return the event id
   */
  public String eventId() {
    return eventId;
  }

  /**
   * Returns the body's size.
   *
   * @return bytes
   */
  public long size() {
    return size;
  }

  /**
   * Returns the limit.
   *
   * @return bytes
   */
  public long limit() {
    return limit;
  }
}
