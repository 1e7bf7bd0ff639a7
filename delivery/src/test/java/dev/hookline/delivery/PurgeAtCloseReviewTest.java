package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.spy;

import dev.hookline.UserEvents;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.Poll;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Review (round 20): the periodic purge deletes expired deliveries a batch of 1,000 at a time until
 * a batch comes back short, which on a busy instance (an hour of finished deliveries at a few
 * hundred a second) is minutes of statements. A close() during it waited for the purge up to the
 * shutdown timeout plus 5 s, then up to 15 s more for the scheduler's thread, and the purge went on
 * after close() returned, on the Store the host closes next. It now stops after the batch in
 * progress once close() begins.
 */
class PurgeAtCloseReviewTest {

  @Test
  void closeStopsAPurgeInProgressAfterItsCurrentBatch() throws Exception {
    InMemoryStore store = spy(new InMemoryStore());
    CountDownLatch purging = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    AtomicInteger batches = new AtomicInteger();
    doAnswer(
            inv -> {
              if (batches.incrementAndGet() == 1) {
                purging.countDown();
                assertEquals(true, proceed.await(30, TimeUnit.SECONDS));
              }
              return inv.getArgument(1, Integer.class); // a full batch: a backlog without end
            })
        .when(store)
        .purge(any(), anyInt());
    Harness h = new Harness(store);
    Dispatcher dispatcher =
        h.dispatcher(Duration.ofSeconds(1))
            .purgeInterval(Duration.ofMillis(1))
            .shutdownTimeout(Duration.ofSeconds(1))
            .build()
            .start();
    Thread closer = new Thread(dispatcher::close, "closer");
    try {
      Poll.until(
          Duration.ofSeconds(10), () -> purging.getCount() == 0, "the periodic purge started");
      closer.start();
      Poll.until(
          Duration.ofSeconds(10),
          () -> {
            try {
              dispatcher.publish(h.event(UserEvents.CREATED)); // no webhook: nothing is enqueued
              return false;
            } catch (IllegalStateException closed) {
              return true;
            }
          },
          "close() began");
    } finally {
      proceed.countDown();
    }
    closer.join(TimeUnit.SECONDS.toMillis(30));
    assertFalse(closer.isAlive(), "close() returned");
    assertEquals(1, batches.get(), "no batch after the one in progress as close() began");
  }
}
