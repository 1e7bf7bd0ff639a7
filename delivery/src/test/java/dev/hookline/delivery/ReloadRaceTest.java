package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryCounts;
import dev.hookline.DeliveryQuery;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.filter.Filters;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.spi.Lease;
import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.TestWebhooks;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** A webhook created locally while a reload reads its snapshot is not lost from routing. */
class ReloadRaceTest {

  @Test
  void aWebhookCreatedDuringAReloadStillReceivesEvents() {
    ManualClock clock = ManualClock.startingAtEpoch2026();
    RacingStore store = new RacingStore(new InMemoryStore());
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(store)
            .clock(clock)
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    try (Dispatcher dispatcher =
        Dispatcher.builder()
            .registry(registry)
            .retrySchedule(RetrySchedule.builder().attemptTimeout(Duration.ofSeconds(1)).build())
            .build()) {
      String[] created = new String[1];
      store.duringNextList =
          () -> {
            Webhook w =
                registry.create(
                    WebhookDefinition.builder()
                        .name("late")
                        .uri("http://127.0.0.1:9/late")
                        .apiKey(Harness.API_KEY)
                        .events(UserEvents.CREATED)
                        .build());
            TestWebhooks.markVerified(registry, w.id());
            registry.enable(w.id());
            created[0] = w.id();
          };
      dispatcher.reloadWebhooks();
      PublishResult r = dispatcher.publish(new Harness().event(UserEvents.CREATED));
      assertEquals(List.of(created[0]), r.webhookIds());
    }
  }

  /** Delegates to a store; runs a hook right after reading the webhook list, once. */
  private static final class RacingStore implements Store {
    private final Store delegate;
    @Nullable Runnable duringNextList;

    RacingStore(Store delegate) {
      this.delegate = delegate;
    }

    @Override
    public List<Webhook> listWebhooks(String tenant) {
      return delegate.listWebhooks(tenant);
    }

    @Override
    public List<Webhook> listWebhooks() {
      List<Webhook> snapshot = delegate.listWebhooks();
      Runnable hook = duringNextList;
      duringNextList = null;
      if (hook != null) {
        hook.run();
      }
      return snapshot;
    }

    @Override
    public void insertWebhook(Webhook webhook) {
      delegate.insertWebhook(webhook);
    }

    @Override
    public void updateWebhook(Webhook updated) {
      delegate.updateWebhook(updated);
    }

    @Override
    public Optional<Webhook> findWebhook(String id) {
      return delegate.findWebhook(id);
    }

    @Override
    public boolean deleteWebhook(String id) {
      return delegate.deleteWebhook(id);
    }

    @Override
    public List<Delivery> enqueue(List<Delivery> deliveries) {
      return delegate.enqueue(deliveries);
    }

    @Override
    public List<ClaimedDelivery> claim(ClaimRequest request) {
      return delegate.claim(request);
    }

    @Override
    public boolean complete(Lease lease, Attempt attempt, Instant now) {
      return delegate.complete(lease, attempt, now);
    }

    @Override
    public boolean reschedule(Lease lease, Attempt attempt, Instant nextAttemptAt, Instant now) {
      return delegate.reschedule(lease, attempt, nextAttemptAt, now);
    }

    @Override
    public boolean fail(Lease lease, Attempt attempt, Instant now) {
      return delegate.fail(lease, attempt, now);
    }

    @Override
    public boolean release(Lease lease, Instant nextAttemptAt, Instant now) {
      return delegate.release(lease, nextAttemptAt, now);
    }

    @Override
    public boolean requeue(String deliveryId, Instant nextAttemptAt, Instant now) {
      return delegate.requeue(deliveryId, nextAttemptAt, now);
    }

    @Override
    public Optional<Delivery> findDelivery(String deliveryId) {
      return delegate.findDelivery(deliveryId);
    }

    @Override
    public List<Delivery> findDeliveries(DeliveryQuery query) {
      return delegate.findDeliveries(query);
    }

    @Override
    public DeliveryCounts countDeliveries(String webhookId) {
      return delegate.countDeliveries(webhookId);
    }

    @Override
    public int purge(Instant finishedBefore, int maxDeliveries) {
      return delegate.purge(finishedBefore, maxDeliveries);
    }

    @Override
    public Instant markEndpointFailing(String webhookId, Instant at) {
      return delegate.markEndpointFailing(webhookId, at);
    }

    @Override
    public void clearEndpointFailing(String webhookId) {
      delegate.clearEndpointFailing(webhookId);
    }

    @Override
    public Optional<Instant> endpointFailingSince(String webhookId) {
      return delegate.endpointFailingSince(webhookId);
    }
  }
}
