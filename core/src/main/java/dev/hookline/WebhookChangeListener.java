package dev.hookline;

import java.util.Optional;

/**
 * Told about every change a {@link WebhookRegistry} makes, after it is stored: the subscription
 * index of a dispatcher in the same process uses it to see changes at once.
 *
 * <p>Called on the thread that made the change, with no lock of the registry's held; must be quick,
 * thread-safe, and should not throw (an exception is logged and does not undo the change).
 *
 * <p><b>Order.</b> Two changes of one webhook made at once on two threads may be told in either
 * order: an update may be told after the delete that followed it. A listener that keeps webhooks
 * keeps the one with the higher {@link Webhook#version()}, and after a deletion ignores that id
 * (ids are never reused), as {@code SubscriptionIndex} does.
 */
@FunctionalInterface
public interface WebhookChangeListener {

  /**
   * A webhook was created, changed or deleted.
   *
   * @param webhookId the webhook's id
   * @param current its state now, or empty if it was deleted
   */
  void onChange(String webhookId, Optional<Webhook> current);
}
