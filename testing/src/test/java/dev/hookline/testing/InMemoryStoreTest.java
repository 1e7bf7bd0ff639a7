package dev.hookline.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The in-memory store meets the Store contract, and keeps it under races of its own. */
class InMemoryStoreTest extends StoreContract {
  private static final int ROUNDS = 2_000;

  @Override
  protected Store createStore() {
    return new InMemoryStore();
  }

  /**
   * A purge and a requeue of the same finished delivery: either the requeue wins (and the delivery
   * is queued again) or the purge does (and the requeue answers false); never a requeue answered
   * true for a delivery the purge then deleted.
   */
  @Test
  void aRequeueRacingAPurgeIsNeverReportedDoneForADeliveryThatIsGone() throws Exception {
    ExecutorService two = Executors.newFixedThreadPool(2);
    try {
      Instant later = T0.plusSeconds(60);
      for (int round = 0; round < 20; round++) {
        store = createStore();
        store.insertWebhook(webhook("wh_race"));
        List<Delivery> all = new java.util.ArrayList<>();
        for (int i = 0; i < 500; i++) {
          all.add(pending("wh_race", event("evt_" + round + "_" + i)));
        }
        store.enqueue(all);
        for (ClaimedDelivery c :
            store.claim(ClaimRequest.of("w", T0, Duration.ofSeconds(30), 500))) {
          assertTrue(store.fail(c.lease(), Attempt.response(1, T0, Duration.ZERO, 400, "no"), T0));
        }
        CyclicBarrier start = new CyclicBarrier(2);
        Future<List<String>> requeued =
            two.submit(
                () -> {
                  start.await(10, TimeUnit.SECONDS);
                  List<String> done = new java.util.ArrayList<>();
                  for (int i = all.size() - 1; i >= 0; i--) {
                    if (store.requeue(all.get(i).id(), later, later)) {
                      done.add(all.get(i).id());
                    }
                  }
                  return done;
                });
        Future<Integer> purged =
            two.submit(
                () -> {
                  start.await(10, TimeUnit.SECONDS);
                  return store.purge(T0.plusSeconds(1), 1000);
                });
        List<String> done = requeued.get(10, TimeUnit.SECONDS);
        int gone = purged.get(10, TimeUnit.SECONDS);
        for (String id : done) {
          assertTrue(store.findDelivery(id).isPresent(), "requeued, then purged: " + id);
        }
        assertEquals(500, done.size() + gone, "each either requeued or purged");
      }
    } finally {
      two.shutdownNow();
    }
  }

  /**
   * An enqueue racing the deletion of its webhook: whichever wins, no delivery outlives the webhook
   * (it would be claimed and handed back forever, and never purged).
   */
  @Test
  void anEnqueueRacingItsWebhooksDeletionLeavesNoDeliveryBehind() throws Exception {
    ExecutorService two = Executors.newFixedThreadPool(2);
    try {
      CyclicBarrier start = new CyclicBarrier(2);
      for (int i = 0; i < ROUNDS; i++) {
        store = createStore();
        store.insertWebhook(webhook("wh_gone"));
        Delivery d = pending("wh_gone", event("evt_" + i));
        Future<List<Delivery>> enqueued =
            two.submit(
                () -> {
                  start.await(10, TimeUnit.SECONDS);
                  return store.enqueue(List.of(d));
                });
        Future<Boolean> deleted =
            two.submit(
                () -> {
                  start.await(10, TimeUnit.SECONDS);
                  return store.deleteWebhook("wh_gone");
                });
        enqueued.get(10, TimeUnit.SECONDS);
        assertTrue(deleted.get(10, TimeUnit.SECONDS));
        assertFalse(store.findDelivery(d.id()).isPresent(), "round " + i + ": left behind");
        assertEquals(
            List.of(),
            store.claim(ClaimRequest.of("w", T0, Duration.ofSeconds(30), 10)),
            "round " + i + ": nothing to claim");
      }
    } finally {
      two.shutdownNow();
    }
  }
}
