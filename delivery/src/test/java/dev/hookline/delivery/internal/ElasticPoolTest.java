package dev.hookline.delivery.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.testing.Poll;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The platform worker pool grows only while every thread is busy, up to its maximum. */
class ElasticPoolTest {
  private static final Duration BOUND = Duration.ofSeconds(20);

  private static List<String> threads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith(prefix + "-"))
        .toList();
  }

  @Test
  void tasksOneAfterAnotherReuseOneThread() throws Exception {
    ElasticPool pool =
        ElasticPool.create(0, 100, TimeUnit.MINUTES.toNanos(1), Threads.named("ep-seq"));
    try {
      for (int i = 0; i < 50; i++) {
        CountDownLatch done = new CountDownLatch(1);
        pool.execute(done::countDown);
        assertTrue(done.await(BOUND.toSeconds(), TimeUnit.SECONDS));
        // the task has run; wait for its thread to go back to the queue before handing the next
        Poll.until(BOUND, () -> pool.getActiveCount() == 0, "the pool is idle");
      }
      assertEquals(1, pool.getLargestPoolSize(), "no second thread for sequential tasks");
    } finally {
      pool.shutdown();
      assertTrue(pool.awaitTermination(BOUND.toSeconds(), TimeUnit.SECONDS));
    }
  }

  @Test
  void busyThreadsMakeItGrowToItsMaximumAndTheRestWaitInTheQueue() throws Exception {
    int max = 8;
    ElasticPool pool =
        ElasticPool.create(0, max, TimeUnit.MINUTES.toNanos(1), Threads.named("ep-max"));
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger ran = new AtomicInteger();
    try {
      for (int i = 0; i < 3 * max; i++) {
        pool.execute(
            () -> {
              try {
                release.await();
                ran.incrementAndGet();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
      }
      Poll.until(BOUND, () -> pool.getActiveCount() == max, "every thread is busy");
      assertEquals(max, pool.getPoolSize());
      assertEquals(2 * max, pool.getQueue().size(), "the rest wait, none is refused");
      release.countDown();
      Poll.until(BOUND, () -> ran.get() == 3 * max, "every task ran");
      assertEquals(max, pool.getLargestPoolSize());
    } finally {
      release.countDown();
      pool.shutdown();
      assertTrue(pool.awaitTermination(BOUND.toSeconds(), TimeUnit.SECONDS));
    }
    Poll.until(BOUND, () -> threads("ep-max").isEmpty(), "no thread outlives the pool");
  }

  @Test
  void idleThreadsEndAfterTheKeepAlive() throws Exception {
    ElasticPool pool =
        ElasticPool.create(0, 4, TimeUnit.MILLISECONDS.toNanos(50), Threads.named("ep-idle"));
    CountDownLatch release = new CountDownLatch(1);
    try {
      for (int i = 0; i < 4; i++) {
        pool.execute(
            () -> {
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
      }
      Poll.until(BOUND, () -> threads("ep-idle").size() == 4, "four threads run");
      release.countDown();
      Poll.until(BOUND, () -> threads("ep-idle").isEmpty(), "idle threads end by themselves");
      assertEquals(0, pool.getPoolSize());
      CountDownLatch again = new CountDownLatch(1);
      pool.execute(again::countDown);
      assertTrue(again.await(BOUND.toSeconds(), TimeUnit.SECONDS), "a new task gets a new thread");
    } finally {
      release.countDown();
      pool.shutdown();
      assertTrue(pool.awaitTermination(BOUND.toSeconds(), TimeUnit.SECONDS));
    }
  }
}
