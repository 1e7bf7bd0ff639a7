package dev.hookline.testing;

import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryCounts;
import dev.hookline.DeliveryQuery;
import dev.hookline.Webhook;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.spi.Lease;
import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A Store that keeps {@link Store#insertWebhook(Webhook, int)}'s default meets the contract too:
 * that default counts and then inserts, and its javadoc says that concurrent creations may pass the
 * limit, so the contract cannot require more of such a Store. Here its concurrent creations are
 * made to interleave as they may at any time (every one counts before any inserts), which makes
 * what would be a rare, flaky failure in a user's build a certain one.
 */
class DefaultTenantLimitContractTest extends StoreContract {
  @Override
  protected Store createStore() {
    return new CountsThenInserts(new InMemoryStore(), Thread.currentThread());
  }

  /**
   * The in-memory store behind only the abstract methods, tenant counts on other threads racing.
   */
  private static final class CountsThenInserts implements Store {
    private final Store target;
    private final Thread testThread;
    private final CyclicBarrier countedTogether = new CyclicBarrier(8);

    CountsThenInserts(Store target, Thread testThread) {
      this.target = target;
      this.testThread = testThread;
    }

    @Override
    public List<Webhook> listWebhooks(String tenant) {
      List<Webhook> counted = target.listWebhooks(tenant);
      if (Thread.currentThread() != testThread) { // the contract's 8 racing creators
        try {
          countedTogether.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
          throw new IllegalStateException("the racing creations did not meet", e);
        }
      }
      return counted;
    }

    @Override
    public void insertWebhook(Webhook webhook) {
      target.insertWebhook(webhook);
    }

    @Override
    public void updateWebhook(Webhook updated) {
      target.updateWebhook(updated);
    }

    @Override
    public Optional<Webhook> findWebhook(String id) {
      return target.findWebhook(id);
    }

    @Override
    public List<Webhook> listWebhooks() {
      return target.listWebhooks();
    }

    @Override
    public boolean deleteWebhook(String id) {
      return target.deleteWebhook(id);
    }

    @Override
    public List<Delivery> enqueue(List<Delivery> deliveries) {
      return target.enqueue(deliveries);
    }

    @Override
    public List<ClaimedDelivery> claim(ClaimRequest request) {
      return target.claim(request);
    }

    @Override
    public boolean complete(Lease lease, Attempt attempt, Instant now) {
      return target.complete(lease, attempt, now);
    }

    @Override
    public boolean reschedule(Lease lease, Attempt attempt, Instant nextAttemptAt, Instant now) {
      return target.reschedule(lease, attempt, nextAttemptAt, now);
    }

    @Override
    public boolean fail(Lease lease, Attempt attempt, Instant now) {
      return target.fail(lease, attempt, now);
    }

    @Override
    public boolean release(Lease lease, Instant nextAttemptAt, Instant now) {
      return target.release(lease, nextAttemptAt, now);
    }

    @Override
    public boolean requeue(String deliveryId, Instant nextAttemptAt, Instant now) {
      return target.requeue(deliveryId, nextAttemptAt, now);
    }

    @Override
    public Optional<Delivery> findDelivery(String deliveryId) {
      return target.findDelivery(deliveryId);
    }

    @Override
    public List<Delivery> findDeliveries(DeliveryQuery query) {
      return target.findDeliveries(query);
    }

    @Override
    public DeliveryCounts countDeliveries(String webhookId) {
      return target.countDeliveries(webhookId);
    }

    @Override
    public int purge(Instant finishedBefore, int maxDeliveries) {
      return target.purge(finishedBefore, maxDeliveries);
    }

    @Override
    public Instant markEndpointFailing(String webhookId, Instant at) {
      return target.markEndpointFailing(webhookId, at);
    }

    @Override
    public void clearEndpointFailing(String webhookId) {
      target.clearEndpointFailing(webhookId);
    }

    @Override
    public Optional<Instant> endpointFailingSince(String webhookId) {
      return target.endpointFailingSince(webhookId);
    }
  }
}
