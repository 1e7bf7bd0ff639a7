package dev.hookline.delivery.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.testing.Poll;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The body's deadline is watched only when the body is still incomplete after the subscriber asked
 * for it, by a timer of its own or by the sweep of {@link BodyDeadlines}; a body handed over within
 * that request completes without either.
 */
class BoundedBodySubscriberTest {
  private static final long LONG = Duration.ofMinutes(1).toNanos();
  private static final Duration BOUND = Duration.ofSeconds(10);

  /** A subscription that hands over {@code body} (then completes) within its first request. */
  private static final class Synchronous implements Flow.Subscription {
    private final BoundedBodySubscriber subscriber;
    private final byte[] body;
    private boolean sent;
    final AtomicInteger cancels = new AtomicInteger();

    Synchronous(BoundedBodySubscriber subscriber, String body) {
      this.subscriber = subscriber;
      this.body = body.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void request(long n) {
      if (!sent) {
        sent = true;
        subscriber.onNext(List.of(ByteBuffer.wrap(body)));
      } else {
        subscriber.onComplete();
      }
    }

    @Override
    public void cancel() {
      cancels.incrementAndGet();
    }
  }

  /** A subscription whose data never comes. */
  private static final class Silent implements Flow.Subscription {
    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger cancels = new AtomicInteger();

    @Override
    public void request(long n) {
      requests.incrementAndGet();
    }

    @Override
    public void cancel() {
      cancels.incrementAndGet();
    }
  }

  /** Runs the sweeps of the tests that have one; a new one for each test. */
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(Threads.named("sweep-test"));

  @AfterEach
  void stopScheduler() {
    scheduler.shutdownNow();
  }

  private static byte[] body(BoundedBodySubscriber s) throws Exception {
    return s.getBody().toCompletableFuture().get();
  }

  @Test
  void aBodyHandedOverWithinTheRequestCompletesWithoutATimer() throws Exception {
    BoundedBodySubscriber s = new BoundedBodySubscriber(64, LONG, null);
    Synchronous sub = new Synchronous(s, "ok");
    s.onSubscribe(sub);
    assertArrayEquals("ok".getBytes(StandardCharsets.UTF_8), body(s));
    assertFalse(s.timerArmed(), "a complete body needs no timer");
    assertFalse(s.timedOut());
    assertEquals(0, sub.cancels.get());
  }

  @Test
  void aBodyThatDoesNotComeArmsTheTimerAndIsCutAtTheDeadline() {
    BoundedBodySubscriber s = new BoundedBodySubscriber(64, Duration.ofMillis(20).toNanos(), null);
    Silent sub = new Silent();
    s.onSubscribe(sub);
    assertTrue(s.timerArmed());
    assertEquals(1, sub.requests.get());
    Poll.until(BOUND, s::timedOut, "the body timed out");
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> s.getBody().toCompletableFuture().get());
    assertInstanceOf(TimeoutException.class, e.getCause());
    assertEquals(1, sub.cancels.get(), "the subscription (the connection) is cancelled");
  }

  @Test
  void aDeadlinePassedBeforeTheBodyStartsEndsItAtOnce() {
    BoundedBodySubscriber s = new BoundedBodySubscriber(64, 0, null);
    Silent sub = new Silent();
    s.onSubscribe(sub);
    assertTrue(s.timedOut());
    assertEquals(0, sub.requests.get(), "nothing is asked for after the deadline");
    assertEquals(1, sub.cancels.get());
    assertFalse(s.timerArmed());
  }

  @Test
  void aBodyStartedButNotFinishedWithinTheRequestIsTimed() throws Exception {
    BoundedBodySubscriber s = new BoundedBodySubscriber(64, LONG, null);
    CompletableFuture<Void> asked = new CompletableFuture<>();
    Flow.Subscription later =
        new Flow.Subscription() {
          private int requests;

          @Override
          public void request(long n) {
            if (++requests == 1) {
              s.onNext(List.of(ByteBuffer.wrap(new byte[] {'a'})));
            } else {
              asked.complete(null); // the rest comes later, on another call
            }
          }

          @Override
          public void cancel() {}
        };
    s.onSubscribe(later);
    assertTrue(asked.isDone());
    assertTrue(s.timerArmed(), "half a body is timed");
    s.onNext(List.of(ByteBuffer.wrap(new byte[] {'b'})));
    s.onComplete();
    assertArrayEquals(new byte[] {'a', 'b'}, body(s));
    assertFalse(s.timedOut());
  }

  @Test
  void withoutADeadlineNoTimerIsArmed() throws Exception {
    BoundedBodySubscriber s = new BoundedBodySubscriber(64);
    Silent sub = new Silent();
    s.onSubscribe(sub);
    assertFalse(s.timerArmed());
    s.onComplete();
    assertArrayEquals(new byte[0], body(s));
  }

  @Test
  void theLimitStillCutsALongBody() throws Exception {
    BoundedBodySubscriber s = new BoundedBodySubscriber(4, LONG, null);
    Synchronous sub = new Synchronous(s, "0123456789");
    s.onSubscribe(sub);
    assertArrayEquals("0123".getBytes(StandardCharsets.UTF_8), body(s));
    assertEquals(1, sub.cancels.get(), "reading stops at the limit");
    assertFalse(s.timerArmed());
  }

  @Test
  void withASweeperAnIncompleteBodyJoinsItAndIsEndedByTheSweepNotByATimer() throws Exception {
    // The sweep's thread is held until the body is seen joining it: free, it could end the body
    // 20 ms on and stop sweeping before this thread, descheduled on a loaded machine, looked.
    CountDownLatch looked = new CountDownLatch(1);
    scheduler.execute(
        () -> {
          try {
            looked.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    BodyDeadlines sweeper = new BodyDeadlines(scheduler, Duration.ofMillis(5));
    BoundedBodySubscriber s =
        new BoundedBodySubscriber(64, Duration.ofMillis(20).toNanos(), sweeper);
    Silent sub = new Silent();
    s.onSubscribe(sub);
    assertFalse(s.timerArmed(), "the sweep watches it");
    assertTrue(sweeper.sweeping());
    assertFalse(s.timedOut());
    looked.countDown();
    Poll.until(BOUND, s::timedOut, "the sweep ended the body");
    assertEquals(1, sub.cancels.get(), "the subscription (the connection) is cancelled");
    Poll.until(BOUND, () -> !sweeper.sweeping(), "the sweep stops with nothing open");
  }

  @Test
  void aBodyCompletedBeforeItsDeadlineLeavesTheSweepAndIsNotEnded() throws Exception {
    BodyDeadlines sweeper = new BodyDeadlines(scheduler, Duration.ofMillis(5));
    BoundedBodySubscriber s = new BoundedBodySubscriber(64, LONG, sweeper);
    s.onSubscribe(new Silent());
    s.onNext(List.of(ByteBuffer.wrap(new byte[] {'k'})));
    s.onComplete();
    assertArrayEquals(new byte[] {'k'}, body(s));
    Poll.until(BOUND, () -> !sweeper.sweeping(), "the sweep stops once the body left");
    assertFalse(s.timedOut());
  }

  @Test
  void aSchedulerThatRefusesTheSweepLeavesTheBodyATimerOfItsOwn() {
    scheduler.shutdownNow();
    BodyDeadlines sweeper = new BodyDeadlines(scheduler, Duration.ofMillis(5));
    BoundedBodySubscriber s =
        new BoundedBodySubscriber(64, Duration.ofMillis(20).toNanos(), sweeper);
    Silent sub = new Silent();
    s.onSubscribe(sub);
    assertTrue(s.timerArmed(), "no sweep: its own timer");
    assertFalse(sweeper.sweeping());
    Poll.until(BOUND, s::timedOut, "its own timer ended the body");
  }

  @Test
  void aNonPositiveTickIsRefused() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> new BodyDeadlines(scheduler, Duration.ZERO));
    assertEquals("tick must be positive, was PT0S", e.getMessage());
  }

  /**
   * Bytes are kept from any kind of buffer the client hands over: a slice of a larger array (its
   * offset and position not zero), a direct one and a read-only one (no array to copy from), up to
   * the limit, which may fall inside a buffer.
   */
  @Test
  void keepsTheBytesOfSlicedDirectAndReadOnlyBuffersUpToTheLimit() throws Exception {
    byte[] backing = "xxABCDEFyy".getBytes(StandardCharsets.UTF_8);
    ByteBuffer sliced = ByteBuffer.wrap(backing, 1, 8).slice(); // arrayOffset 1
    sliced.position(1); // "ABCDEF" then "y"
    sliced.limit(7);
    ByteBuffer direct = ByteBuffer.allocateDirect(3);
    direct.put("GHI".getBytes(StandardCharsets.UTF_8)).flip();
    ByteBuffer readOnly =
        ByteBuffer.wrap("JKLMN".getBytes(StandardCharsets.UTF_8)).asReadOnlyBuffer();
    BoundedBodySubscriber s = new BoundedBodySubscriber(12);
    Silent subscription = new Silent();
    s.onSubscribe(subscription);
    s.onNext(List.of(sliced, direct));
    assertFalse(s.getBody().toCompletableFuture().isDone());
    assertEquals(0, sliced.remaining(), "the slice was read to its end");
    s.onNext(List.of(readOnly)); // the limit falls after "JKL"
    assertArrayEquals(
        "ABCDEFGHIJKL".getBytes(StandardCharsets.UTF_8), s.getBody().toCompletableFuture().get());
    assertEquals(1, subscription.cancels.get(), "the rest is not read");

    BoundedBodySubscriber empty = new BoundedBodySubscriber(1024);
    empty.onSubscribe(new Silent());
    empty.onComplete();
    assertArrayEquals(new byte[0], empty.getBody().toCompletableFuture().get());
  }
}
