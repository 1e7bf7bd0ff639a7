package dev.hookline.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.Secret;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookFormat;
import dev.hookline.WebhookStatus;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.store.InMemoryStore;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * InMemoryStore says it is thread-safe with no global lock on the hot path. Workers claim with
 * leases short enough to expire while they hold them (so deliveries are claimed again by others),
 * release some back, fail some for a retry, and complete the rest, while a purger runs: every
 * delivery must end SUCCEEDED exactly once, and no stale lease may record an outcome.
 */
class InMemoryStoreLeaseStressReviewTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static Webhook webhook(String id) {
    return new Webhook(
        id,
        Optional.empty(),
        "hook " + id,
        "",
        URI.create("https://example.com/" + id),
        Secret.of("key-0123456789abcdef"),
        Set.of(UserEvents.CREATED),
        Optional.empty(),
        WebhookFormat.STANDARD_WEBHOOKS,
        Optional.empty(),
        WebhookStatus.VERIFIED,
        true,
        Optional.empty(),
        List.of(),
        T0,
        T0,
        1);
  }

  @Test
  void everyDeliveryIsCompletedExactlyOnceUnderExpiringLeases() throws Exception {
    InMemoryStore store = new InMemoryStore();
    int webhooks = 4;
    int perWebhook = 500;
    for (int w = 0; w < webhooks; w++) {
      store.insertWebhook(webhook("wh_" + w));
    }
    List<Delivery> batch = new ArrayList<>();
    for (int i = 0; i < webhooks * perWebhook; i++) {
      Event e =
          Event.builder(UserEvents.CREATED).id("evt_" + i).occurredAt(T0).user("u" + i).build();
      batch.add(Delivery.pending("dlv_" + i, "wh_" + (i % webhooks), e, T0));
    }
    store.enqueue(batch);
    int total = batch.size();

    AtomicLong clockMillis = new AtomicLong(T0.toEpochMilli());
    Map<String, AtomicInteger> completions = new ConcurrentHashMap<>();
    AtomicInteger succeeded = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(6);
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < 5; t++) {
      String owner = "w" + t;
      workers.add(
          pool.submit(
              () -> {
                ThreadLocalRandom r = ThreadLocalRandom.current();
                long idleRounds = 0;
                while (succeeded.get() < total && idleRounds < 200_000) {
                  Instant now = Instant.ofEpochMilli(clockMillis.addAndGet(r.nextInt(3)));
                  List<ClaimedDelivery> claimed =
                      store.claim(ClaimRequest.of(owner, now, Duration.ofMillis(5), 8));
                  if (claimed.isEmpty()) {
                    idleRounds++;
                    continue;
                  }
                  for (ClaimedDelivery cd : claimed) {
                    Instant at = Instant.ofEpochMilli(clockMillis.addAndGet(r.nextInt(4)));
                    int choice = r.nextInt(10);
                    if (choice == 0) {
                      store.release(cd.lease(), at, at);
                    } else if (choice == 1) {
                      store.reschedule(
                          cd.lease(), Attempt.response(1, at, Duration.ZERO, 500, ""), at, at);
                    } else if (store.complete(
                        cd.lease(), Attempt.response(1, at, Duration.ZERO, 204, ""), at)) {
                      completions
                          .computeIfAbsent(cd.delivery().id(), k -> new AtomicInteger())
                          .incrementAndGet();
                      succeeded.incrementAndGet();
                    }
                  }
                }
              }));
    }
    // A purger that must never take a finished delivery other than what it is told to: nothing
    // finished before T0, so it must purge nothing.
    Future<?> purger =
        pool.submit(
            () -> {
              while (succeeded.get() < total) {
                assertEquals(0, store.purge(T0, 100), "purged a delivery finished after T0");
              }
            });
    for (Future<?> f : workers) {
      f.get();
    }
    purger.get();
    pool.shutdown();

    assertEquals(total, succeeded.get(), "deliveries completed");
    completions.forEach((id, n) -> assertEquals(1, n.get(), id + " completed " + n + " times"));
    List<Delivery> all =
        new ArrayList<>(store.findDeliveries(DeliveryQuery.builder().limit(10_000).build()));
    assertEquals(total, all.size());
    assertTrue(all.stream().allMatch(d -> d.state() == DeliveryState.SUCCEEDED));
  }
}
