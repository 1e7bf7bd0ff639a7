package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.spy;

import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.Poll;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * {@code start()} and {@code close()} called at once, on a caller's scheduler: once close() has
 * returned, none of the dispatcher's periodic tasks is still scheduled, and the Store's change feed
 * is not left watching.
 */
class StartCloseRaceTest {

  /**
   * A caller's scheduler that holds {@code start()} inside its first {@code scheduleWithFixedDelay}
   * until {@code close()} has either finished or is waiting for start() to finish.
   */
  private static final class GatedScheduler extends ScheduledThreadPoolExecutor {
    final CountDownLatch inStart = new CountDownLatch(1);
    final AtomicReference<@Nullable Thread> closer = new AtomicReference<>();
    final AtomicBoolean gated = new AtomicBoolean();
    final List<ScheduledFuture<?>> periodic = new CopyOnWriteArrayList<>();

    GatedScheduler() {
      super(1);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(
        Runnable command, long initialDelay, long delay, TimeUnit unit) {
      if (gated.compareAndSet(false, true)) {
        inStart.countDown();
        Poll.until(
            Duration.ofSeconds(20),
            () -> {
              Thread c = closer.get();
              return c != null && (!c.isAlive() || waitsInClose(c));
            },
            "close() to finish or to wait for start()");
      }
      ScheduledFuture<?> f = super.scheduleWithFixedDelay(command, initialDelay, delay, unit);
      periodic.add(f);
      return f;
    }

    static boolean waitsInClose(Thread t) {
      Thread.State s = t.getState();
      if (s != Thread.State.BLOCKED
          && s != Thread.State.WAITING
          && s != Thread.State.TIMED_WAITING) {
        return false;
      }
      for (StackTraceElement e : t.getStackTrace()) {
        if (e.getClassName().equals(Dispatcher.class.getName())) {
          return true; // close() itself, or what it waits in
        }
        if (e.getClassName().startsWith("dev.hookline.")) {
          return false; // inside some other Hookline call that close() makes
        }
      }
      return false;
    }
  }

  @Test
  void closeReturnsOnlyOnceAReloadRunningOnTheCallersSchedulerHasEnded() throws Exception {
    InMemoryStore store = spy(new InMemoryStore());
    CountDownLatch inReload = new CountDownLatch(1);
    CountDownLatch releaseReload = new CountDownLatch(1);
    AtomicBoolean armed = new AtomicBoolean();
    doAnswer(
            inv -> {
              if (armed.compareAndSet(true, false)) {
                inReload.countDown();
                assertTrue(releaseReload.await(30, TimeUnit.SECONDS));
              }
              return inv.callRealMethod();
            })
        .when(store)
        .listWebhooks();
    Harness h = new Harness(store);
    ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    try {
      Dispatcher dispatcher =
          h.dispatcher(Duration.ofSeconds(1))
              .scheduler(scheduler)
              .webhookReloadInterval(Duration.ofMillis(1))
              .build();
      armed.set(true);
      dispatcher.start();
      assertTrue(inReload.await(20, TimeUnit.SECONDS), "a periodic reload started");
      Thread closer = new Thread(dispatcher::close, "closer");
      closer.start();
      Poll.until(
          Duration.ofSeconds(20),
          () -> !closer.isAlive() || GatedScheduler.waitsInClose(closer),
          "close() to return or to wait for the reload");
      boolean returnedDuringReload = !closer.isAlive();
      releaseReload.countDown();
      closer.join(TimeUnit.SECONDS.toMillis(30));
      assertTrue(!closer.isAlive(), "close() returned");
      assertTrue(!returnedDuringReload, "close() returned while its reload still ran");
    } finally {
      releaseReload.countDown();
      scheduler.shutdownNow();
    }
  }

  @Test
  void afterCloseReturnsNothingOfAConcurrentStartIsLeftRunning() throws Exception {
    InMemoryStore store = spy(new InMemoryStore());
    AtomicInteger watchesOpen = new AtomicInteger();
    doAnswer(
            inv -> {
              watchesOpen.incrementAndGet();
              AtomicBoolean closed = new AtomicBoolean();
              return (Store.Watch)
                  () -> {
                    if (closed.compareAndSet(false, true)) {
                      watchesOpen.decrementAndGet();
                    }
                  };
            })
        .when(store)
        .watchWebhooks(any());
    Harness h = new Harness(store);
    GatedScheduler scheduler = new GatedScheduler();
    try {
      Dispatcher dispatcher = h.dispatcher(Duration.ofSeconds(1)).scheduler(scheduler).build();
      AtomicReference<@Nullable Throwable> startFailure = new AtomicReference<>();
      Thread starter =
          new Thread(
              () -> {
                try {
                  dispatcher.start();
                } catch (IllegalStateException e) {
                  // closed first: that is fine too
                } catch (Throwable t) {
                  startFailure.set(t);
                }
              },
              "starter");
      starter.start();
      assertTrue(scheduler.inStart.await(20, TimeUnit.SECONDS), "start() reached the scheduler");
      Thread closer = new Thread(dispatcher::close, "closer");
      scheduler.closer.set(closer);
      closer.start();
      closer.join(TimeUnit.SECONDS.toMillis(30));
      starter.join(TimeUnit.SECONDS.toMillis(30));
      assertTrue(!closer.isAlive() && !starter.isAlive(), "both calls returned");
      assertEquals(null, startFailure.get());

      assertTrue(
          scheduler.periodic.stream().allMatch(Future::isCancelled),
          "a periodic task of the closed dispatcher is still scheduled");
      assertEquals(0, watchesOpen.get(), "the Store's change feed is still watched");
    } finally {
      scheduler.shutdownNow();
    }
  }
}
