package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.pending;
import static dev.hookline.store.jdbc.Fixtures.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Delivery;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A deleted webhook takes its deliveries with it, even while other sessions enqueue for it. Since
 * migration 7 no foreign key does this: the enqueue's lock on the webhook row and the delete's
 * order (the webhook, then its deliveries, in one transaction) do.
 */
class WebhookDeletionTest {
  private static final String SCHEMA = "wh_deletion";
  private static final SimpleConnectionPool DS =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 8);

  @AfterAll
  static void cleanUp() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    DS.close();
  }

  @Test
  void noDeliveryOutlivesItsWebhookWhenEnqueuesRaceTheDelete() throws Exception {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    PostgresStore store = EmbeddedDb.store(DS, SCHEMA);
    int gone = 5; // deleted one after the other, each while four sessions enqueue for it
    for (int w = 0; w < gone; w++) {
      store.insertWebhook(webhook("wh_gone_" + w, T0));
    }
    store.insertWebhook(webhook("wh_kept", T0));
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger batches = new AtomicInteger();
    AtomicIntegerArray deleted = new AtomicIntegerArray(gone);
    AtomicInteger addedAfterDelete = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<?>> enqueuers = new ArrayList<>();
    try {
      for (int t = 0; t < 4; t++) {
        int thread = t;
        enqueuers.add(
            pool.submit(
                () -> {
                  for (int i = 0; !stop.get(); i++) {
                    String event = "evt_" + thread + "_" + i;
                    List<Delivery> batch = new ArrayList<>();
                    boolean[] deletedBefore = new boolean[gone];
                    for (int w = 0; w < gone; w++) {
                      deletedBefore[w] = deleted.get(w) == 1;
                      batch.add(pending("dlv_" + w + "_" + event, "wh_gone_" + w, event, T0));
                    }
                    batch.add(pending("dlv_k_" + event, "wh_kept", event, T0));
                    for (Delivery d : store.enqueue(batch)) {
                      String id = d.webhookId();
                      if (id.startsWith("wh_gone_")) {
                        if (deletedBefore[Integer.parseInt(id.substring("wh_gone_".length()))]) {
                          addedAfterDelete.incrementAndGet();
                        }
                      }
                    }
                    batches.incrementAndGet();
                  }
                  return null;
                }));
      }
      for (int w = 0; w < gone; w++) {
        int from = batches.get();
        Poll.until(Duration.ofSeconds(30), () -> batches.get() >= from + 50, "enqueues");
        assertTrue(store.deleteWebhook("wh_gone_" + w));
        deleted.set(w, 1);
      }
      int last = batches.get();
      Poll.until(Duration.ofSeconds(30), () -> batches.get() >= last + 50, "enqueues after");
    } finally {
      stop.set(true);
      for (Future<?> f : enqueuers) {
        f.get(30, TimeUnit.SECONDS); // rethrows an enqueuer's failure
      }
      pool.shutdown();
    }
    assertEquals(0, addedAfterDelete.get(), "deliveries added for a webhook already deleted");
    assertEquals(
        0,
        EmbeddedDb.count(
            DS,
            "SELECT count(*) FROM \""
                + SCHEMA
                + "\".deliveries d WHERE NOT EXISTS (SELECT 1 FROM \""
                + SCHEMA
                + "\".webhooks w WHERE w.id = d.webhook_id)"),
        "deliveries left without their webhook");
    for (int w = 0; w < gone; w++) {
      assertEquals(0, store.countDeliveries("wh_gone_" + w).total());
    }
    assertEquals(batches.get(), store.countDeliveries("wh_kept").total());
  }
}
