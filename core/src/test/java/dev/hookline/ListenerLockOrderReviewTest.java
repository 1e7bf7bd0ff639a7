package dev.hookline;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.store.InMemoryStore;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * WebhookRegistry.notifyListeners now holds a stripe lock while it calls the listeners. An
 * application whose listener keeps its own view of the webhooks under its own lock, and that also
 * changes a webhook while holding that lock (a read-modify-write of its view), deadlocks: thread A
 * holds the application's lock and waits for the stripe in notifyListeners; thread B holds the
 * stripe (telling its own change of the same webhook) and waits in the listener for the
 * application's lock. Before the stripe lock, both finished. The listener contract (quick,
 * thread-safe, called on the changing thread) does not forbid either.
 */
class ListenerLockOrderReviewTest {

  @Test
  void aListenerTakingTheApplicationsLockDoesNotDeadlockAChangeMadeUnderIt() throws Exception {
    WebhookRegistry registry = WebhookRegistry.builder().store(new InMemoryStore()).build();
    Webhook w =
        registry.create(
            WebhookDefinition.builder()
                .name("cached")
                .uri("https://hooks.example.com/cached")
                .apiKey("k3y-0123456789-abcdef")
                .events(UserEvents.CREATED)
                .build());
    registry.enable(w.id());
    java.util.Map<String, Boolean> cache = new java.util.HashMap<>();
    Object appLock = cache; // the application's own cache lock
    CountDownLatch appHoldsLock = new CountDownLatch(1);
    CountDownLatch bInListener = new CountDownLatch(1);
    Thread[] threadB = new Thread[1];
    registry.addChangeListener(
        (id, current) -> {
          if (Thread.currentThread() == threadB[0]) {
            bInListener.countDown();
          }
          synchronized (appLock) {
            cache.put(id, current.isPresent()); // the application's view of the webhooks
          }
        });
    ExecutorService pool =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r);
              t.setDaemon(true); // a deadlocked thread must not hold the test JVM
              return t;
            });
    try {
      Future<?> a =
          pool.submit(
              () -> {
                synchronized (appLock) {
                  appHoldsLock.countDown();
                  bInListener.await(10, TimeUnit.SECONDS);
                  // a change under the application's lock, as its cache update does
                  registry.rotateApiKey(w.id(), Secret.of("n3w-k3y-0123456789-abcdef"));
                }
                return null;
              });
      Future<?> b =
          pool.submit(
              () -> {
                threadB[0] = Thread.currentThread();
                appHoldsLock.await(10, TimeUnit.SECONDS);
                registry.disable(w.id());
                return null;
              });
      boolean done = true;
      try {
        a.get(20, TimeUnit.SECONDS);
        b.get(20, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        done = false;
      }
      assertTrue(done, "both changes finish (deadlocked: stripe lock held across the listener)");
      assertTrue(registry.get(w.id()).map(x -> !x.enabled()).orElse(false));
    } finally {
      pool.shutdownNow();
    }
  }
}
