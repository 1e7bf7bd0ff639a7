package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Review round 6: publishing while the database does not answer. Concurrent enqueues are written
 * together, at most 64 callers' batches per statement, one statement at a time. While every
 * statement waits for the pool's connection timeout and fails, the callers queued behind it are
 * taken 64 per timeout: a caller behind 640 others learned the database was down only after ten
 * timeouts (five minutes with HikariCP's 30 s), where a caller of its own waits one. Publishing at
 * a steady rate during the outage, the queue (and the application's threads blocked in it) grew for
 * as long as the outage lasted.
 */
class EnqueueBacklogOutageReviewTest {
  private static final String SCHEMA = "enqueue_backlog_outage";
  private static final SimpleConnectionPool POOL =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 8);

  /** The pool's connection timeout, standing for HikariCP's 30 s. */
  private static final long TIMEOUT_MILLIS = 1_000;

  private static final int CALLERS = 640;

  @AfterAll
  static void dropSchema() {
    EmbeddedDb.dropSchema(POOL, SCHEMA);
    POOL.close();
  }

  @Test
  void everyPublisherLearnsOfTheOutageWithinAboutOneConnectionTimeout() throws Exception {
    EmbeddedDb.store(POOL, SCHEMA).insertWebhook(Fixtures.webhook("wh_a", T0));
    OutageDataSource db = new OutageDataSource(POOL);
    PostgresStore store = EmbeddedDb.store(db, SCHEMA);
    db.down(TIMEOUT_MILLIS);
    CountDownLatch go = new CountDownLatch(1);
    AtomicInteger failedRetryable = new AtomicInteger();
    AtomicLong slowestNanos = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < CALLERS; i++) {
      int n = i;
      Thread t =
          new Thread(
              () -> {
                try {
                  go.await();
                } catch (InterruptedException e) {
                  return;
                }
                long start = System.nanoTime();
                try {
                  store.enqueue(List.of(Fixtures.pending("dlv_" + n, "wh_a", "evt_" + n, T0)));
                } catch (StoreException e) {
                  if (e.isRetryable()) {
                    failedRetryable.incrementAndGet();
                  }
                }
                slowestNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
              });
      t.start();
      threads.add(t);
    }
    go.countDown();
    for (Thread t : threads) {
      t.join(Duration.ofMinutes(2).toMillis());
    }
    db.up();
    assertEquals(CALLERS, failedRetryable.get(), "every publisher is told, retryably");
    Duration slowest = Duration.ofNanos(slowestNanos.get());
    assertTrue(
        slowest.compareTo(Duration.ofMillis(3 * TIMEOUT_MILLIS)) <= 0,
        "with a connection timeout of "
            + TIMEOUT_MILLIS
            + " ms, the last of "
            + CALLERS
            + " publishers learned of the outage only after "
            + slowest);
  }
}
