package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.spi.WebhookWatcher;
import dev.hookline.store.jdbc.internal.WebhookChangeFeed;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * close() called by a thread that holds a lock the watcher's call in progress waits for returns. A
 * Dispatcher gets there when its observer closes it from {@code webhookDeleted}, told during a
 * reload (under the reload's monitor), while the feed's resync waits for that monitor: close()
 * waited for the feed's call without bound, and the call for close()'s caller, for good.
 */
class ChangeFeedCloseUnderLockTest {

  @Test
  void closeReturnsWhileTheWatchersCallWaitsForTheClosingThread() throws Exception {
    Object reloadMonitor = new Object();
    CountDownLatch inResync = new CountDownLatch(1);
    AtomicReference<Thread> feedThread = new AtomicReference<>();
    WebhookWatcher watcher =
        new WebhookWatcher() {
          @Override
          public void changed(String webhookId) {}

          @Override
          public void resync() {
            feedThread.set(Thread.currentThread());
            inResync.countDown();
            synchronized (reloadMonitor) {
              feedThread.get(); // the reload this resync asks for
            }
          }
        };
    try (SimpleConnectionPool pool = SimpleConnectionPool.of(EmbeddedDb.dataSource(), 2)) {
      CountDownLatch closed = new CountDownLatch(1);
      AtomicReference<Throwable> failed = new AtomicReference<>();
      Thread closer =
          new Thread(
              () -> {
                try {
                  synchronized (reloadMonitor) { // a reload, whose observer closes the dispatcher
                    WebhookChangeFeed feed =
                        WebhookChangeFeed.start(
                            pool, WebhookChangeFeed.channel("close_under_lock"), watcher);
                    assertTrue(inResync.await(10, TimeUnit.SECONDS), "the feed resyncs");
                    Poll.until(
                        Duration.ofSeconds(10),
                        () -> feedThread.get().getState() == Thread.State.BLOCKED,
                        "the resync waits for the reload");
                    feed.close();
                  }
                  closed.countDown();
                } catch (Throwable t) {
                  failed.set(t);
                }
              },
              "closer");
      closer.setDaemon(true);
      closer.start();
      assertTrue(closed.await(30, TimeUnit.SECONDS), "close() hangs: " + failed.get());
    }
  }
}
