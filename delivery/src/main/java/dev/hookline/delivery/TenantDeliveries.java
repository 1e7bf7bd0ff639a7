package dev.hookline.delivery;

import dev.hookline.Delivery;
import dev.hookline.DeliveryCounts;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.TenantWebhooks;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One tenant's deliveries, from {@link Dispatcher#forTenant}: the queries, counts and redelivery
 * that code serving a tenant needs, limited to deliveries to the tenant's own webhooks. A delivery
 * or webhook of another tenant, or of the host, looks exactly like one that does not exist: an
 * empty result, zero counts, nothing requeued.
 *
 * <p>Immutable and thread-safe.
 */
public final class TenantDeliveries {
  private final Dispatcher dispatcher;
  private final TenantWebhooks webhooks;

  TenantDeliveries(Dispatcher dispatcher, TenantWebhooks webhooks) {
    this.dispatcher = dispatcher;
    this.webhooks = webhooks;
  }

  /**
   * Returns the tenant this view is scoped to.
   *
   * @return the tenant
   */
  public String tenant() {
    return webhooks.tenant();
  }

  /**
   * Lists the tenant's deliveries matching the query (with their attempt history), newest first.
   * The Store applies the tenant criterion; a query naming another tenant matches nothing.
   *
   * @param query the criteria
   * @return the matching deliveries of the tenant's webhooks
   */
  public List<Delivery> deliveries(DeliveryQuery query) {
    Objects.requireNonNull(query, "query");
    if (query.tenant().isPresent() && !query.tenant().get().equals(tenant())) {
      return List.of();
    }
    return dispatcher.deliveries(
        new DeliveryQuery(
            query.webhookId(),
            query.eventId(),
            query.states(),
            query.createdFrom(),
            query.createdBefore(),
            Optional.of(tenant()),
            query.limit()));
  }

  /**
   * Finds one of the tenant's deliveries.
   *
   * @param deliveryId the delivery
   * @return the delivery, or empty if none has that id or it goes to someone else's webhook
   */
  public Optional<Delivery> delivery(String deliveryId) {
    // A delivery never changes webhook, nor a webhook tenant: checking the owner after reading
    // is as good as reading by owner.
    return dispatcher
        .delivery(Objects.requireNonNull(deliveryId, "deliveryId"))
        .filter(d -> webhooks.get(d.webhookId()).isPresent());
  }

  /**
   * Counts one of the tenant's webhooks' deliveries by state.
   *
   * @param webhookId the webhook
   * @return the counts; all zero if no webhook has that id or it is someone else's
   */
  public DeliveryCounts summary(String webhookId) {
    return webhooks.get(Objects.requireNonNull(webhookId, "webhookId")).isPresent()
        ? dispatcher.summary(webhookId)
        : DeliveryCounts.EMPTY;
  }

  /**
   * Queues one of the tenant's finished deliveries again: see {@link Dispatcher#redeliver}.
   *
   * @param deliveryId the delivery
   * @return true if requeued; false if it does not exist, is someone else's, or is not finished
   */
  public boolean redeliver(String deliveryId) {
    return delivery(deliveryId).isPresent() && dispatcher.redeliver(deliveryId);
  }

  /**
   * Queues again every {@link DeliveryState#FAILED} delivery of one of the tenant's webhooks
   * created at or after {@code since}: see {@link Dispatcher#redeliverFailed}.
   *
   * @param webhookId the webhook
   * @param since the earliest creation time to include
   * @return how many deliveries were requeued; 0 if no webhook has that id or it is someone else's
   */
  public int redeliverFailed(String webhookId, Instant since) {
    Objects.requireNonNull(since, "since");
    return webhooks.get(Objects.requireNonNull(webhookId, "webhookId")).isPresent()
        ? dispatcher.redeliverFailed(webhookId, since)
        : 0;
  }

  @Override
  public String toString() {
    return "TenantDeliveries[tenant=" + tenant() + "]";
  }
}
