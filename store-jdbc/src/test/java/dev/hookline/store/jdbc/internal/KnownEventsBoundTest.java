package dev.hookline.store.jdbc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The remembered events stay within their bound, from any number of threads. */
class KnownEventsBoundTest {
  private static final String DATA = "x".repeat(1000);

  private static Event event(String id) {
    return Event.builder(UserEvents.CREATED)
        .id(id)
        .occurredAt(Instant.parse("2026-01-01T00:00:00Z"))
        .user("u")
        .data(JsonNodeFactory.instance.objectNode())
        .build();
  }

  @Test
  void keepsTheNewestEventsWithinTheBound() {
    long perEvent = 4L * DATA.length() + 256;
    KnownEvents known = new KnownEvents(10 * perEvent);
    for (int i = 0; i < 100; i++) {
      known.remember(event("evt_" + i), DATA);
    }
    assertEquals(10, known.size());
    known.remember(event("evt_too_big"), DATA.repeat(20));
    assertEquals(10, known.size(), "an event larger than the whole bound is not kept");
  }

  @Test
  void aNegativeBoundIsRefused() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new KnownEvents(-1));
    assertTrue(e.getMessage().contains("maxBytes"), e.getMessage());
  }

  @Test
  void concurrentRemembersKeepTheBound() throws Exception {
    long perEvent = 4L * DATA.length() + 256;
    KnownEvents known = new KnownEvents(50 * perEvent);
    int threads = 4;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < 2_000; i++) {
                    known.remember(event("evt_" + thread + "_" + (i % 300)), DATA);
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(50, known.size());
  }
}
