package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryState;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.admin.store.InMemoryAdminStore;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.spi.Store;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A windowed recover walks the window's pages first and requeues them after, oldest first.
 * Deliveries that fail in between, inside a page already walked, must not push that page's oldest
 * rows out of its second read (found in review: they stayed FAILED, uncounted).
 */
class RecoverRaceTest {
  private static final int N = 2_300; // three of the recover's pages of 1,000
  private static final int LATE = 5;

  @Test
  void deliveriesFailingDuringARecoverDoNotPushAPagesOldestRowsOut() {
    AtomicReference<Instant> lateAt = new AtomicReference<>();
    AtomicBoolean lateFailed = new AtomicBoolean();
    try (AdminHarness h =
        new AdminHarness(
            new InMemoryAdminStore(),
            store -> {
              return (Store)
                  Proxy.newProxyInstance(
                      Store.class.getClassLoader(),
                      new Class<?>[] {Store.class},
                      (proxy, method, args) -> {
                        if (method.getName().equals("requeue")
                            && lateFailed.compareAndSet(false, true)) {
                          failPending(store, lateAt.get()); // between the walk and the requeue
                        }
                        try {
                          return method.invoke(store, args);
                        } catch (InvocationTargetException e) {
                          throw e.getCause();
                        }
                      });
            },
            r -> {},
            b -> b.recoverPace(Duration.ofSeconds(1)))) {
      Webhook w = h.receiving("race", "race");
      Instant start = h.clock.instant();
      List<Delivery> deliveries = new ArrayList<>();
      for (int i = 0; i < N; i++) {
        if (i % 3 == 0) {
          h.clock.advance(Duration.ofMillis(1));
        }
        if (i == 800) {
          lateAt.set(h.clock.instant()); // inside the middle page
        }
        deliveries.add(
            Delivery.pending(
                "dlv_race_" + i, w.id(), h.event(UserEvents.CREATED, "race"), h.clock.instant()));
      }
      h.store.enqueue(deliveries);
      failPending(h.store, h.clock.instant());
      List<Delivery> late = new ArrayList<>();
      for (int i = 0; i < LATE; i++) {
        late.add(
            Delivery.pending(
                "dlv_late_" + i, w.id(), h.event(UserEvents.CREATED, "race"), lateAt.get()));
      }
      h.store.enqueue(late); // pending during the walk, failed before the pages are read again

      h.clock.advance(Duration.ofSeconds(1));
      Instant until = h.clock.instant();
      Http.Exchange e =
          h.http.post(
              h.webhooks() + "/" + w.id() + "/recover",
              h.root,
              "{\"since\":\"" + start + "\",\"until\":\"" + until + "\"}");
      assertEquals(202, e.status(), e::toString);
      assertTrue(lateFailed.get());
      for (int i = 0; i < N; i++) {
        assertEquals(
            DeliveryState.RETRYING,
            h.store.findDelivery("dlv_race_" + i).orElseThrow().state(),
            "dlv_race_" + i);
      }
      assertEquals(N + LATE, e.json().get("redelivered").asInt());
    }
  }

  /** Claims every pending delivery due by {@code now} and records it as failed for good. */
  private static void failPending(Store store, Instant now) {
    while (true) {
      List<ClaimedDelivery> claimed =
          store.claim(ClaimRequest.of("test", now, Duration.ofMinutes(5), 500));
      if (claimed.isEmpty()) {
        return;
      }
      for (ClaimedDelivery cd : claimed) {
        store.fail(cd.lease(), Attempt.response(1, now, Duration.ZERO, 500, ""), now);
      }
    }
  }
}
