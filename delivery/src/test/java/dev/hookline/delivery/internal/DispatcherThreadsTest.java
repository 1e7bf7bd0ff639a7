package dev.hookline.delivery.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.testing.Poll;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What attempts run on, by default and on request, and that shutdown ends every thread. */
class DispatcherThreadsTest {
  private static final Duration BOUND = Duration.ofSeconds(20);

  private static List<String> hooklineThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("hookline-"))
        // The registries' registration lookups share one process-wide pool (core's WebhookRules),
        // no dispatcher's: its idle threads, left by other tests in this JVM, end after 10 s.
        .filter(n -> !n.equals("hookline-registration-dns"))
        .toList();
  }

  private static DispatcherThreads threads(boolean virtual, int workers) {
    return new DispatcherThreads(null, Duration.ofSeconds(3), virtual, workers, null, null);
  }

  @Test
  void virtualThreadsWhereTheJvmHasThemPlatformThreadsOtherwise() {
    DispatcherThreads t = threads(true, 1000);
    try {
      assertEquals(Runtime.version().feature() >= 21 ? "virtual" : "platform", t.kind());
    } finally {
      t.shutdown();
    }
    DispatcherThreads platform = threads(false, 1000);
    try {
      assertEquals("platform", platform.kind());
      assertTrue(platform.workerPool() instanceof ElasticPool);
    } finally {
      platform.shutdown();
    }
  }

  @Test
  void shutdownEndsEveryWorkerThreadVirtualOrNot() throws Exception {
    for (boolean virtual : new boolean[] {true, false}) {
      DispatcherThreads t = threads(virtual, 50);
      CountDownLatch started = new CountDownLatch(50);
      CountDownLatch release = new CountDownLatch(1);
      for (int i = 0; i < 50; i++) {
        t.workerPool()
            .execute(
                () -> {
                  started.countDown();
                  try {
                    release.await();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
      }
      assertTrue(started.await(BOUND.toSeconds(), TimeUnit.SECONDS), "50 tasks run at once");
      release.countDown();
      t.shutdown();
      ExecutorService pool = (ExecutorService) t.workerPool();
      assertTrue(pool.isTerminated(), "every worker (virtual ones too) has ended: " + virtual);
      Poll.until(BOUND, () -> hooklineThreads().isEmpty(), () -> "left: " + hooklineThreads());
    }
  }
}
