package dev.hookline.spi;

import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryCounts;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.Webhook;
import dev.hookline.WebhookConflictException;
import dev.hookline.WebhookNotFoundException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Persists webhooks and the delivery outbox. The {@code WebhookRegistry} and the dispatcher talk to
 * storage only through this interface; {@code InMemoryStore} and the PostgreSQL store implement it,
 * and the {@code StoreContract} test kit in {@code hookline-testing} proves an implementation meets
 * it.
 *
 * <h2>Delivery life cycle</h2>
 *
 * <pre>
 *   enqueue ─▶ PENDING ─claim─▶ IN_FLIGHT ─complete─▶ SUCCEEDED
 *                 ▲                │ ─reschedule─▶ RETRYING ─claim─▶ IN_FLIGHT …
 *                 │                │ ─fail──────▶ FAILED ─requeue─▶ RETRYING
 *                 └────release─────┘  (lease expiry: any instance may claim it again)
 * </pre>
 *
 * <p>Results are recorded only with the current {@link Lease}: every claim issues a larger fencing
 * {@linkplain Lease#token() token}, and {@link #complete}, {@link #reschedule}, {@link #fail},
 * {@link #release} return {@code false} (changing nothing) when the lease's token is no longer the
 * delivery's current one, because the lease expired and another worker claimed the delivery.
 *
 * <p>Implementations must be thread-safe, and safe to share between several processes when they
 * claim to be (the PostgreSQL store is; the in-memory store is per process by nature).
 */
public interface Store extends AutoCloseable {

  // ---- webhooks ----

  /**
   * Stores a new webhook.
   *
   * @param webhook the webhook, with version 1
   * @throws WebhookConflictException with reason {@code DUPLICATE_ID} if a webhook with that id
   *     exists
   */
  void insertWebhook(Webhook webhook);

  /**
   * Stores a new webhook, unless its tenant already has {@code maxPerTenant} webhooks or more. The
   * count and the insert are one atomic step in the Store's implementations here, so concurrent
   * creations, in any number of processes, never take a tenant past the limit. A webhook without a
   * tenant (the host's own) is always stored.
   *
   * <p>The default counts with {@link #listWebhooks(String)} and then inserts: concurrent creations
   * may pass the limit by their number. A Store that can do both atomically overrides it.
   *
   * @param webhook the webhook, with version 1
   * @param maxPerTenant the most webhooks one tenant may have, at least 1
   * @return true if stored, false if its tenant is at the limit (nothing was written)
   * @throws WebhookConflictException with reason {@code DUPLICATE_ID} if a webhook with that id
   *     exists
   */
  default boolean insertWebhook(Webhook webhook, int maxPerTenant) {
    if (webhook.tenant().isPresent()
        && listWebhooks(webhook.tenant().get()).size() >= maxPerTenant) {
      return false;
    }
    insertWebhook(webhook);
    return true;
  }

  /**
   * Replaces a webhook if, and only if, the stored version is {@code updated.version() - 1}. The
   * tenant is fixed when the webhook is inserted: it never changes.
   *
   * @param updated the new state, with its version already incremented
   * @throws IllegalArgumentException if the stored webhook has another tenant (nothing is written)
   * @throws WebhookNotFoundException if no webhook has that id
   * @throws WebhookConflictException if the stored version differs (nothing is written)
   */
  void updateWebhook(Webhook updated);

  /**
   * Finds a webhook.
   *
   * @param id the webhook id
   * @return the webhook, or empty if none has that id
   */
  Optional<Webhook> findWebhook(String id);

  /**
   * Lists every webhook, oldest first.
   *
   * @return the webhooks
   */
  List<Webhook> listWebhooks();

  /**
   * Lists one tenant's webhooks ({@link Webhook#tenant()} equal to {@code tenant}), oldest first.
   * Webhooks without a tenant are not included.
   *
   * @param tenant the tenant
   * @return the tenant's webhooks
   */
  List<Webhook> listWebhooks(String tenant);

  /**
   * Deletes a webhook and every delivery to it.
   *
   * @param id the webhook id
   * @return true if it existed
   */
  boolean deleteWebhook(String id);

  // ---- the outbox ----

  /**
   * Adds deliveries atomically: all of them or none. A delivery for an (event id, webhook id) pair
   * that is already stored is skipped, so enqueuing the same event twice is harmless.
   *
   * <p>An event id names one event across the Store, every tenant included: a delivery whose event
   * differs from the stored event of that id (or from another event of that id in the batch) in its
   * tenant, type, subject, data, changed attributes or time (to the microsecond) fails the whole
   * batch, so that no delivery is ever sent with another event's content.
   *
   * @param deliveries new {@link DeliveryState#PENDING} deliveries
   * @return the deliveries actually added
   * @throws dev.hookline.EventConflictException if an event's id names a different event, stored or
   *     in the batch; nothing is added
   */
  List<Delivery> enqueue(List<Delivery> deliveries);

  /**
   * Adds deliveries as {@link #enqueue(List)} does and, in the same atomic write, claims those
   * whose ids are in {@code claimIds} for {@code lease.owner()} until {@code lease.leaseExpiry()},
   * as {@link #claim} would: a dispatcher that will send a just-published event itself so saves a
   * claim. The other deliveries are queued as by {@code enqueue}. Only the request's owner, {@code
   * now} and lease duration are used.
   *
   * <p>The default enqueues and claims nothing; a Store that can do both in one write overrides it.
   *
   * @param deliveries new {@link DeliveryState#PENDING} deliveries
   * @param claimIds the ids of the deliveries to claim
   * @param lease who claims them, when, and for how long
   * @return the deliveries actually added; those claimed are {@link DeliveryState#IN_FLIGHT} and
   *     carry their lease
   */
  default List<Delivery> enqueueClaiming(
      List<Delivery> deliveries, Set<String> claimIds, ClaimRequest lease) {
    return enqueue(deliveries);
  }

  /**
   * Claims due deliveries under a lease: queued deliveries whose next attempt is due at {@code
   * request.now()}, and in-flight deliveries whose lease has expired, earliest due first. Each
   * delivery is handed to exactly one claimer at a time.
   *
   * @param request what to claim
   * @return the claimed deliveries, each now {@link DeliveryState#IN_FLIGHT}; possibly empty
   */
  List<ClaimedDelivery> claim(ClaimRequest request);

  /**
   * Records a successful attempt: the delivery becomes {@link DeliveryState#SUCCEEDED}.
   *
   * @param lease the current lease
   * @param attempt the attempt
   * @param now the time
   * @return true if recorded; false if the lease is no longer current
   */
  boolean complete(Lease lease, Attempt attempt, Instant now);

  /**
   * Records a successful attempt as {@link #complete} does, answering later: the dispatcher's
   * worker does not wait for the answer when nothing needs it at once, and goes on to its next
   * attempt. A Store that writes outcomes together (PostgreSQL) overrides this to let the write
   * carry many workers' outcomes without each one waiting for it.
   *
   * <p>The answer must come only once the outcome is durable (or failed), exactly as {@link
   * #complete} returns. A process that dies before it leaves the delivery in flight under its
   * lease, so it is sent again when the lease expires: at least once, as ever. The returned stage
   * may complete on any thread, including the caller's before this method returns; what depends on
   * it must be quick and must not block.
   *
   * <p>The default calls {@link #complete} and returns its answer, or its exception, completed.
   *
   * @param lease the current lease
   * @param attempt the attempt
   * @param now the time
   * @return completes with true if recorded, false if the lease is no longer current, or
   *     exceptionally if the outcome could not be recorded
   */
  default CompletionStage<Boolean> completeAsync(Lease lease, Attempt attempt, Instant now) {
    try {
      return CompletableFuture.completedFuture(complete(lease, attempt, now));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Records a failed attempt and schedules the next: the delivery becomes {@link
   * DeliveryState#RETRYING}, due at {@code nextAttemptAt}.
   *
   * @param lease the current lease
   * @param attempt the attempt
   * @param nextAttemptAt when to try again
   * @param now the time
   * @return true if recorded; false if the lease is no longer current
   */
  boolean reschedule(Lease lease, Attempt attempt, Instant nextAttemptAt, Instant now);

  /**
   * Records the last failed attempt: the delivery becomes {@link DeliveryState#FAILED}.
   *
   * @param lease the current lease
   * @param attempt the attempt
   * @param now the time
   * @return true if recorded; false if the lease is no longer current
   */
  boolean fail(Lease lease, Attempt attempt, Instant now);

  /**
   * Gives a claimed delivery back unattempted (on shutdown, or when its endpoint is busy): it
   * returns to its queued state, due at {@code nextAttemptAt}.
   *
   * @param lease the current lease
   * @param nextAttemptAt when it is due again
   * @param now the time
   * @return true if released; false if the lease is no longer current
   */
  boolean release(Lease lease, Instant nextAttemptAt, Instant now);

  /**
   * Queues a finished ({@link DeliveryState#FAILED} or {@link DeliveryState#SUCCEEDED}) delivery
   * again, keeping its event id and attempt history: it becomes {@link DeliveryState#RETRYING}, due
   * at {@code nextAttemptAt}.
   *
   * @param deliveryId the delivery
   * @param nextAttemptAt when to attempt it
   * @param now the time
   * @return true if requeued; false if it does not exist or is not finished
   */
  boolean requeue(String deliveryId, Instant nextAttemptAt, Instant now);

  // ---- queries and housekeeping ----

  /**
   * Finds a delivery.
   *
   * @param deliveryId the delivery id
   * @return the delivery, or empty
   */
  Optional<Delivery> findDelivery(String deliveryId);

  /**
   * Lists deliveries matching a query, newest first (by creation time, then id). A {@linkplain
   * DeliveryQuery#tenant() tenant} criterion matches deliveries to that tenant's webhooks.
   *
   * @param query the criteria and limit
   * @return at most {@code query.limit()} deliveries
   */
  List<Delivery> findDeliveries(DeliveryQuery query);

  /**
   * Counts one webhook's deliveries by state.
   *
   * @param webhookId the webhook id
   * @return the counts; all zero for an unknown webhook
   */
  DeliveryCounts countDeliveries(String webhookId);

  /**
   * Deletes finished ({@link DeliveryState#SUCCEEDED} or {@link DeliveryState#FAILED}) deliveries
   * last updated before {@code finishedBefore}, at most {@code maxDeliveries} of them. Call
   * repeatedly until it returns less than {@code maxDeliveries} to purge everything.
   *
   * @param finishedBefore the retention cut-off
   * @param maxDeliveries the batch size, at least 1
   * @return how many were deleted
   */
  int purge(Instant finishedBefore, int maxDeliveries);

  // ---- endpoint health ----

  /**
   * Starts a webhook endpoint's failure clock unless it is already running: records that the
   * endpoint has been failing since {@code at}, keeping an earlier time if one is stored.
   * Dispatchers call it on the first failure after a success; because the clock lives here, it
   * survives restarts and is shared by every instance on this Store, so "failing continuously for 5
   * days" means 5 days of the endpoint, not of one process.
   *
   * @param webhookId the webhook id
   * @param at the time of the failure
   * @return since when the endpoint has been failing: the stored time if one was, else {@code at};
   *     for an unknown webhook nothing is stored and {@code at} is returned
   */
  Instant markEndpointFailing(String webhookId, Instant at);

  /**
   * Stops a webhook endpoint's failure clock: it succeeded, or the webhook was re-enabled or moved.
   * Does nothing if the clock is not running or the webhook is unknown.
   *
   * @param webhookId the webhook id
   */
  void clearEndpointFailing(String webhookId);

  /**
   * Returns since when a webhook's endpoint has been failing without a success.
   *
   * @param webhookId the webhook id
   * @return the start of the failure clock, or empty if it is not running
   */
  Optional<Instant> endpointFailingSince(String webhookId);

  /**
   * Starts telling {@code watcher} about webhook changes that other processes sharing this Store's
   * storage commit, as they commit, until the returned watch is closed. A Store that cannot (the
   * default, and {@code InMemoryStore}, whose only writer is its own process) returns a watch that
   * does nothing: callers then rely on periodic reloads. The registry tells its own process's
   * listeners about local changes either way.
   *
   * @param watcher what to tell
   * @return the watch; closing it stops the feed
   */
  default Watch watchWebhooks(WebhookWatcher watcher) {
    return Watch.NONE;
  }

  /** A running feed of webhook changes, from {@link #watchWebhooks}. */
  interface Watch extends AutoCloseable {
    /** A watch that watches nothing. */
    Watch NONE = () -> {};

    /** Stops the feed. Idempotent; does not throw. */
    @Override
    void close();
  }

  /** Releases resources the Store created itself. Caller-owned resources are left open. */
  @Override
  default void close() {}
}
