package dev.hookline;

/**
 * An event was published under the id of a different event: one the Store still keeps, or another
 * in the same publish. Nothing of the publish was enqueued.
 *
 * <p>An event id names one event across the whole Store, every tenant included: publishing the same
 * event again (same id, tenant, type, subject, data, changed attributes and time) is harmless and
 * adds only the deliveries not yet enqueued, but another event under that id is refused, so that no
 * webhook is ever sent one event's content as another's. Ids that are unique only within a tenant
 * must be made unique across tenants (for example, prefixed with the tenant).
 *
 * <p>Immutable and thread-safe.
 */
public final class EventConflictException extends HooklineException {
  private static final long serialVersionUID = 1L;

  private final String eventId;

  /**
   * Creates the exception.
   *
   * @param eventId the id two different events were published under
   */
  public EventConflictException(String eventId) {
    super(
        "Event id '"
            + eventId
            + "' already names a different event (another tenant's, or other type, subject,"
            + " data, changed attributes or time): an event id names one event across every"
            + " tenant; publish this event under an id of its own (for example, prefix ids that"
            + " are unique per tenant with the tenant)");
    this.eventId = eventId;
  }

  /**
   * Returns the id two different events were published under.
   *
   * @return the event id
   */
  public String eventId() {
    return eventId;
  }
}
