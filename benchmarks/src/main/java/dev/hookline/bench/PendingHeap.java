package dev.hookline.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Delivery;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Heap held per pending delivery in the in-memory store: 1,000,000 pending deliveries (100,000
 * events, each to 10 webhooks, a typical small user payload), measured as used heap after full GCs
 * before and after.
 */
final class PendingHeap {
  private PendingHeap() {}

  static double bytesPerPendingDelivery(int events, int webhooksPerEvent) {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long before = usedAfterGc(memory);
    Store store = new InMemoryStore();
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    for (int w = 0; w < webhooksPerEvent; w++) {
      store.insertWebhook(InMemoryStoreBenchmark.webhook("wh_" + w, UserEvents.UPDATED));
    }
    for (int e = 0; e < events; e++) {
      ObjectNode data = JsonNodeFactory.instance.objectNode();
      data.put("user_id", "usr_" + e);
      data.put("email", "user" + e + "@example.com");
      data.put("name", "User " + e);
      Event event =
          Event.builder(UserEvents.UPDATED)
              .id("evt_" + e)
              .user("usr_" + e)
              .occurredAt(now)
              .data(data)
              .changed("email")
              .build();
      List<Delivery> batch = new ArrayList<>(webhooksPerEvent);
      for (int w = 0; w < webhooksPerEvent; w++) {
        batch.add(Delivery.pending("dlv_" + e + "_" + w, "wh_" + w, event, now));
      }
      store.enqueue(batch);
    }
    long after = usedAfterGc(memory);
    long pending = store.countDeliveries("wh_0").pending() * webhooksPerEvent;
    if (pending != (long) events * webhooksPerEvent) {
      throw new IllegalStateException("expected all deliveries pending, found " + pending);
    }
    double perDelivery = (after - before) / (double) pending;
    // keep the store reachable until measured
    if (store.findDelivery("dlv_0_0").isEmpty()) {
      throw new IllegalStateException("store lost a delivery");
    }
    return perDelivery;
  }

  @SuppressWarnings("SystemGc") // a measurement of retained heap needs settled collections
  private static long usedAfterGc(MemoryMXBean memory) {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
