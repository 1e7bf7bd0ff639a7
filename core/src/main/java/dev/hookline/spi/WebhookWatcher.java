package dev.hookline.spi;

/**
 * Told by a {@link Store} about webhook changes committed by any process sharing its storage, so
 * that every instance sees a change at once instead of at its next periodic reload. Called on the
 * Store's own thread: implementations must be quick and thread-safe, and must not throw.
 */
public interface WebhookWatcher {

  /**
   * A webhook was inserted, updated or deleted (possibly by this process). It may be reported more
   * than once; the watcher re-reads it from the Store.
   *
   * @param webhookId the webhook's id
   */
  void changed(String webhookId);

  /**
   * Changes may have been missed (the feed was down, or has just started): the watcher reloads
   * every webhook.
   */
  void resync();

  /**
   * Deliveries were queued by a transaction that has since committed (a transactional publish,
   * possibly by another process): a claim may find them now rather than at the next poll. The
   * default does nothing.
   */
  default void deliveriesQueued() {}
}
