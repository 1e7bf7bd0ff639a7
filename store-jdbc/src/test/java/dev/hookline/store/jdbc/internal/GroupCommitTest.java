package dev.hookline.store.jdbc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.testing.Poll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GroupCommitTest {
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final List<List<Integer>> batches = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    threads.shutdownNow();
  }

  /** Records even numbers only, so that each caller's answer is its own. */
  private boolean[] evenOnly(List<Integer> requests) {
    batches.add(List.copyOf(requests));
    return evens(requests);
  }

  private static boolean[] evens(List<Integer> requests) {
    boolean[] out = new boolean[requests.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = requests.get(i) % 2 == 0;
    }
    return out;
  }

  @Test
  void aLoneCallerIsFlushedAtOnceWithItsOwnAnswer() {
    GroupCommit<Integer> g = new GroupCommit<>(10, this::evenOnly);
    assertTrue(g.submit(2));
    assertFalse(g.submit(3));
    assertEquals(List.of(List.of(2), List.of(3)), batches);
  }

  @Test
  void callersArrivingDuringAFlushShareTheNextStatementEachWithItsOwnAnswer() throws Exception {
    CountDownLatch inFirstFlush = new CountDownLatch(1);
    CountDownLatch firstFlushMayEnd = new CountDownLatch(1);
    GroupCommit<Integer> g =
        new GroupCommit<>(
            10,
            requests -> {
              if (batches.isEmpty()) {
                inFirstFlush.countDown();
                awaitQuietly(firstFlushMayEnd);
              }
              return evenOnly(requests);
            });
    Future<Boolean> leader = threads.submit(() -> g.submit(0));
    awaitQuietly(inFirstFlush);
    List<Future<Boolean>> followers =
        submitWaiting(
            g, List.of(1, 2, 3, 4, 5), 5, "five callers wait behind the flush in progress");
    firstFlushMayEnd.countDown();
    assertTrue(leader.get(10, TimeUnit.SECONDS));
    for (int n = 1; n <= 5; n++) {
      assertEquals(n % 2 == 0, followers.get(n - 1).get(10, TimeUnit.SECONDS), "answer of " + n);
    }
    assertEquals(2, batches.size(), "one flush for the leader, one for the five: " + batches);
    assertEquals(List.of(1, 2, 3, 4, 5), batches.get(1).stream().sorted().toList());
  }

  @Test
  void aFailedFlushFailsEveryCallerInItAndTheNextFlushWorks() {
    IllegalStateException down = new IllegalStateException("database down");
    GroupCommit<Integer> g =
        new GroupCommit<>(
            10,
            requests -> {
              if (requests.contains(13)) {
                throw down;
              }
              return evenOnly(requests);
            });
    assertSame(down, assertThrows(IllegalStateException.class, () -> g.submit(13)));
    assertTrue(g.submit(4));
  }

  @Test
  void aFlushEndingInAnErrorStillAnswersItsCallers() {
    GroupCommit<Integer> g =
        new GroupCommit<>(
            10,
            requests -> {
              if (requests.contains(7)) {
                throw new AssertionError("flush broke");
              }
              return evenOnly(requests);
            });
    assertThrows(AssertionError.class, () -> g.submit(7));
    assertTrue(g.submit(8), "the group commit is usable afterwards");
  }

  @Test
  void aBatchIsAtMostMaxBatch() throws ExecutionException, InterruptedException {
    CountDownLatch firstFlushMayEnd = new CountDownLatch(1);
    GroupCommit<Integer> g =
        new GroupCommit<>(
            2,
            requests -> {
              if (batches.isEmpty()) {
                awaitQuietly(firstFlushMayEnd);
              }
              return evenOnly(requests);
            });
    List<Future<Boolean>> all =
        submitWaiting(g, List.of(0, 1, 2, 3, 4), 4, "four callers wait behind the first flush");
    firstFlushMayEnd.countDown();
    for (Future<Boolean> f : all) {
      f.get();
    }
    assertTrue(batches.stream().allMatch(b -> b.size() <= 2), batches.toString());
    assertEquals(5, batches.stream().mapToInt(List::size).sum());
  }

  @Test
  void manyCallersAtOnceAreEachAnsweredAndShareStatements() throws Exception {
    GroupCommit<Integer> g = new GroupCommit<>(16, this::evenOnly);
    int callers = 8;
    int each = 2_000;
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> all = new ArrayList<>();
    for (int t = 0; t < callers; t++) {
      int caller = t;
      all.add(
          threads.submit(
              () -> {
                start.await();
                int wrong = 0;
                for (int i = 0; i < each; i++) {
                  int request = caller * each + i;
                  if (g.submit(request) != (request % 2 == 0)) {
                    wrong++;
                  }
                }
                return wrong;
              }));
    }
    start.countDown();
    for (Future<Integer> f : all) {
      assertEquals(0, f.get(60, TimeUnit.SECONDS), "every caller gets its own answer");
    }
    assertEquals(callers * each, batches.stream().mapToInt(List::size).sum());
    assertTrue(batches.stream().allMatch(b -> b.size() <= 16));
  }

  @Test
  void aLoneCallerNeverLingers() {
    // A linger far longer than the test's own bound: a lone caller must not wait for it.
    GroupCommit<Integer> g = new GroupCommit<>(10, Duration.ofHours(1), this::evenOnly);
    for (int i = 0; i < 5; i++) {
      assertEquals(i % 2 == 0, g.submit(i));
    }
    assertEquals(5, batches.size(), "each alone, each flushed at once");
  }

  /**
   * Makes the group commit's last flush carry two requests: X's flush is held while Y and Z queue
   * behind it; Y then leads (after a flush of one, so without lingering) and flushes [Y, Z].
   */
  private void flushTwoTogether(GroupCommit<Integer> g, CountDownLatch xMayEnd) throws Exception {
    Future<Boolean> x = threads.submit(() -> g.submit(100));
    Poll.until(Duration.ofSeconds(10), () -> !batches.isEmpty() || heldFlushes > 0, "X flushes");
    List<Future<Boolean>> yz = submitWaiting(g, List.of(102, 104), 2, "Y and Z wait behind X");
    // Waiting threads might still be parked on the lock: wait until both requests are queued.
    Poll.until(Duration.ofSeconds(10), () -> g.queued() == 2, "Y and Z are queued");
    xMayEnd.countDown();
    assertTrue(x.get(30, TimeUnit.SECONDS));
    for (Future<Boolean> f : yz) {
      assertTrue(f.get(30, TimeUnit.SECONDS));
    }
    assertEquals(2, batches.size(), batches.toString());
    assertEquals(List.of(100), batches.get(0));
    assertEquals(List.of(102, 104), batches.get(1).stream().sorted().toList(), "Y and Z together");
  }

  private volatile int heldFlushes;

  private GroupCommit<Integer> holdingFirstFlush(
      int maxBatch, Duration linger, CountDownLatch firstMayEnd) {
    return holdingFirstFlush(maxBatch, linger, Integer.MAX_VALUE, linger, firstMayEnd);
  }

  private GroupCommit<Integer> holdingFirstFlush(
      int maxBatch,
      Duration linger,
      int busyBatch,
      Duration busyLinger,
      CountDownLatch firstMayEnd) {
    return new GroupCommit<>(
        maxBatch,
        linger,
        busyBatch,
        busyLinger,
        requests -> {
          if (batches.isEmpty() && heldFlushes == 0) {
            heldFlushes = 1;
            awaitQuietly(firstMayEnd);
          }
          return evenOnly(requests);
        });
  }

  /**
   * Records every batch (at most 10); the first flush is held until {@code firstMayEnd} and then
   * answered by {@code first}, every later one by {@code later}.
   */
  private GroupCommit<Integer> holdingFirstThen(
      CountDownLatch firstMayEnd,
      GroupCommit.Flusher<Integer> first,
      GroupCommit.Flusher<Integer> later) {
    return new GroupCommit<>(
        10,
        requests -> {
          boolean isFirst = batches.isEmpty();
          batches.add(List.copyOf(requests));
          if (isFirst) {
            awaitQuietly(firstMayEnd);
            return first.flush(requests);
          }
          return later.flush(requests);
        });
  }

  @Test
  void underLoadTheLeaderWaitsForAFullBatch() throws Exception {
    CountDownLatch xMayEnd = new CountDownLatch(1);
    // A linger far beyond the test's bounds: only a full batch can end it.
    GroupCommit<Integer> g = holdingFirstFlush(4, Duration.ofHours(1), xMayEnd);
    flushTwoTogether(g, xMayEnd);
    List<Future<Boolean>> four = new ArrayList<>();
    for (int n = 0; n < 4; n++) {
      int request = n;
      four.add(threads.submit(() -> g.submit(request)));
    }
    for (Future<Boolean> f : four) {
      f.get(30, TimeUnit.SECONDS);
    }
    assertEquals(3, batches.size(), batches.toString());
    assertEquals(4, batches.get(2).size(), "the leader waited for the other three: " + batches);
  }

  @Test
  void aLingeringLeaderFlushesWhatItHasWhenTheLingerEnds() throws Exception {
    CountDownLatch xMayEnd = new CountDownLatch(1);
    GroupCommit<Integer> g = holdingFirstFlush(4, Duration.ofMillis(20), xMayEnd);
    flushTwoTogether(g, xMayEnd);
    assertTrue(g.submit(6), "flushed alone once the linger ran out");
    assertEquals(List.of(6), batches.get(2));
  }

  @Test
  void afterABusyFlushTheLeaderLingersTheLongerTime() throws Exception {
    // With the 1 ms linger alone the four requests below would mostly not go out together.
    assertTheNextFourGoTogetherAfterABusyFlush(Duration.ofMillis(1));
  }

  @Test
  void aBusyLingerAppliesEvenWithoutAShortOne() throws Exception {
    assertTheNextFourGoTogetherAfterABusyFlush(Duration.ZERO);
  }

  /**
   * A flush of two counts as busy here: the next leader's wait is then an hour, which only a full
   * batch can end, so four requests go out together however they are spread out in time.
   */
  private void assertTheNextFourGoTogetherAfterABusyFlush(Duration linger) throws Exception {
    CountDownLatch xMayEnd = new CountDownLatch(1);
    GroupCommit<Integer> g = holdingFirstFlush(4, linger, 2, Duration.ofHours(1), xMayEnd);
    flushTwoTogether(g, xMayEnd);
    List<Future<Boolean>> four = new ArrayList<>();
    for (int n = 0; n < 4; n++) {
      int request = n;
      four.add(threads.submit(() -> g.submit(request)));
    }
    for (Future<Boolean> f : four) {
      f.get(30, TimeUnit.SECONDS);
    }
    assertEquals(3, batches.size(), batches.toString());
    assertEquals(4, batches.get(2).size(), "the leader waited for the other three: " + batches);
  }

  @Test
  void belowTheBusyBatchTheLeaderLingersTheShortTime() throws Exception {
    CountDownLatch xMayEnd = new CountDownLatch(1);
    // A flush of two is below the busy batch of three: the next leader waits 20 ms, not the hour.
    GroupCommit<Integer> g =
        holdingFirstFlush(4, Duration.ofMillis(20), 3, Duration.ofHours(1), xMayEnd);
    flushTwoTogether(g, xMayEnd);
    Future<Boolean> alone = threads.submit(() -> g.submit(6));
    assertTrue(alone.get(30, TimeUnit.SECONDS), "flushed alone once the short linger ran out");
    assertEquals(List.of(6), batches.get(2));
  }

  @Test
  void aBusyBatchBelowTwoOrABusyLingerShorterThanTheLingerIsRefused() {
    IllegalArgumentException batch =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new GroupCommit<Integer>(
                    4, Duration.ofMillis(2), 1, Duration.ofMillis(8), this::evenOnly));
    assertTrue(
        batch.getMessage().contains("busyBatch must be at least 2, was 1"), batch.getMessage());
    IllegalArgumentException linger =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new GroupCommit<Integer>(
                    4, Duration.ofMillis(2), 16, Duration.ofMillis(1), this::evenOnly));
    assertTrue(linger.getMessage().contains("busyLinger"), linger.getMessage());
    assertTrue(linger.getMessage().contains("PT0.001S"), linger.getMessage());
  }

  @Test
  void aNegativeLingerIsRefused() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new GroupCommit<Integer>(4, Duration.ofMillis(-1), this::evenOnly));
    assertTrue(e.getMessage().contains("linger"), e.getMessage());
  }

  /** What a callback of {@link GroupCommit#submitAsync} was told, and on which thread. */
  private record Told(
      int request, boolean recorded, @Nullable RuntimeException failure, Thread by) {}

  private final List<Told> told = new CopyOnWriteArrayList<>();

  private GroupCommit.Callback tell(int request) {
    return (recorded, failure) ->
        told.add(new Told(request, recorded, failure, Thread.currentThread()));
  }

  @Test
  void anAsyncRequestAloneIsFlushedByItsCallerBeforeItReturns() {
    GroupCommit<Integer> g = new GroupCommit<>(10, Duration.ofHours(1), this::evenOnly);
    g.submitAsync(2, tell(2));
    g.submitAsync(3, tell(3));
    assertEquals(
        List.of(
            new Told(2, true, null, Thread.currentThread()),
            new Told(3, false, null, Thread.currentThread())),
        told,
        "each told its own answer, on the calling thread, before submitAsync returned");
    assertEquals(List.of(List.of(2), List.of(3)), batches);
  }

  @Test
  void asyncCallersDoNotWaitAndTheRunningLeaderCarriesAndAnswersThem() throws Exception {
    CountDownLatch firstFlushMayEnd = new CountDownLatch(1);
    GroupCommit<Integer> g = holdingFirstFlush(10, Duration.ZERO, firstFlushMayEnd);
    Thread[] leaderThread = new Thread[1];
    Future<Boolean> leader =
        threads.submit(
            () -> {
              leaderThread[0] = Thread.currentThread();
              return g.submit(0);
            });
    Poll.until(Duration.ofSeconds(10), () -> heldFlushes > 0, "the leader flushes");
    // The flush is held, yet each call returns at once: this thread runs on to the assertions.
    for (int n = 1; n <= 5; n++) {
      g.submitAsync(n, tell(n));
    }
    assertEquals(5, g.queued(), "all five queued behind the flush");
    assertTrue(told.isEmpty(), "nothing told before its flush");
    firstFlushMayEnd.countDown();
    assertTrue(leader.get(10, TimeUnit.SECONDS));
    // The leader found asynchronous requests at the head after its own flush, and flushed them
    // before returning: nobody else would have.
    assertEquals(5, told.size(), told.toString());
    for (Told t : told) {
      assertEquals(t.request() % 2 == 0, t.recorded(), "answer of " + t.request());
      assertEquals(null, t.failure());
      assertSame(leaderThread[0], t.by(), "told on the leader's thread");
    }
    assertEquals(List.of(List.of(0), List.of(1, 2, 3, 4, 5)), batches);
    assertEquals(0, g.queued());
  }

  @Test
  void aWaitingCallerBehindAsyncRequestsLeadsItsOwnFlushOrIsCarried() throws Exception {
    CountDownLatch firstFlushMayEnd = new CountDownLatch(1);
    GroupCommit<Integer> g = holdingFirstFlush(2, Duration.ZERO, firstFlushMayEnd);
    Future<Boolean> x = threads.submit(() -> g.submit(100));
    Poll.until(Duration.ofSeconds(10), () -> heldFlushes > 0, "X flushes");
    g.submitAsync(1, tell(1));
    g.submitAsync(2, tell(2));
    List<Future<Boolean>> waiting = submitWaiting(g, List.of(4), 1, "a caller waits behind them");
    Poll.until(Duration.ofSeconds(10), () -> g.queued() == 3, "three queued");
    g.submitAsync(5, tell(5));
    firstFlushMayEnd.countDown();
    assertTrue(x.get(10, TimeUnit.SECONDS));
    assertTrue(waiting.get(0).get(10, TimeUnit.SECONDS));
    Poll.until(Duration.ofSeconds(10), () -> told.size() == 3, "every async request is answered");
    assertEquals(0, g.queued(), "nothing left behind");
    assertEquals(
        List.of(1, 2, 5), told.stream().map(Told::request).sorted().toList(), told.toString());
    assertEquals(5, batches.stream().mapToInt(List::size).sum(), batches.toString());
    assertTrue(batches.stream().allMatch(b -> b.size() <= 2), batches.toString());
  }

  @Test
  void aFailedFlushTellsEveryAsyncCallbackAndAThrowingCallbackStopsNoOther() throws Exception {
    IllegalStateException down = new IllegalStateException("database down");
    CountDownLatch firstFlushMayEnd = new CountDownLatch(1);
    GroupCommit<Integer> g =
        holdingFirstThen(
            firstFlushMayEnd,
            requests -> new boolean[requests.size()],
            requests -> {
              throw down;
            });
    Future<Boolean> leader = threads.submit(() -> g.submit(0));
    Poll.until(Duration.ofSeconds(10), () -> !batches.isEmpty(), "the leader flushes");
    g.submitAsync(
        1,
        (recorded, failure) -> {
          throw new IllegalArgumentException("a broken callback");
        });
    g.submitAsync(2, tell(2));
    g.submitAsync(3, tell(3));
    firstFlushMayEnd.countDown();
    assertFalse(leader.get(10, TimeUnit.SECONDS));
    assertEquals(List.of(2, 3), told.stream().map(Told::request).toList());
    for (Told t : told) {
      assertFalse(t.recorded());
      assertSame(down, t.failure());
    }
    g.submitAsync(4, tell(4));
    assertSame(down, told.get(2).failure(), "the group commit is usable afterwards, and fails on");
  }

  @Test
  void aFlushEndingInAnErrorStillTellsItsAsyncCallbacks() {
    GroupCommit<Integer> g =
        new GroupCommit<>(
            10,
            requests -> {
              throw new AssertionError("flush broke");
            });
    assertThrows(AssertionError.class, () -> g.submitAsync(7, tell(7)));
    assertEquals(1, told.size());
    assertTrue(told.get(0).failure() instanceof IllegalStateException, told.toString());
    assertEquals(0, g.queued());
  }

  @Test
  void aCallbackThatTakesLongDoesNotHoldUpTheNextWrite() throws Exception {
    GroupCommit<Integer> g = new GroupCommit<>(10, this::evenOnly);
    CountDownLatch inCallback = new CountDownLatch(1);
    CountDownLatch callbackMayEnd = new CountDownLatch(1);
    Future<?> slow =
        threads.submit(
            () ->
                g.submitAsync(
                    0,
                    (recorded, failure) -> {
                      inCallback.countDown();
                      awaitQuietly(callbackMayEnd);
                    }));
    awaitQuietly(inCallback);
    // The first write's callback is still running: another caller writes and is answered.
    assertTrue(threads.submit(() -> g.submit(2)).get(10, TimeUnit.SECONDS));
    g.submitAsync(4, tell(4));
    assertEquals(List.of(4), told.stream().map(Told::request).toList());
    callbackMayEnd.countDown();
    slow.get(10, TimeUnit.SECONDS);
    assertEquals(List.of(List.of(0), List.of(2), List.of(4)), batches);
  }

  @Test
  void aWaitingCallerQueuedBehindAFlushThatEndsInAnErrorStillGetsItsAnswer() throws Exception {
    CountDownLatch firstFlushMayEnd = new CountDownLatch(1);
    GroupCommit<Integer> g =
        holdingFirstThen(
            firstFlushMayEnd,
            requests -> {
              throw new AssertionError("flush broke");
            },
            GroupCommitTest::evens);
    Future<Boolean> leader = threads.submit(() -> g.submit(1));
    Poll.until(Duration.ofSeconds(10), () -> !batches.isEmpty(), "the leader flushes");
    List<Future<Boolean>> waiting = submitWaiting(g, List.of(2), 1, "a caller waits behind it");
    Poll.until(Duration.ofSeconds(10), () -> g.queued() == 1, "it is queued");
    firstFlushMayEnd.countDown();
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> leader.get(10, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof AssertionError, e.toString());
    assertTrue(waiting.get(0).get(10, TimeUnit.SECONDS), "it led its own flush");
    assertEquals(List.of(List.of(1), List.of(2)), batches);
  }

  @Test
  void asyncRequestsQueuedBehindAFlushThatEndsInAnErrorAreStillLedAndAnswered() throws Exception {
    CountDownLatch firstFlushMayEnd = new CountDownLatch(1);
    GroupCommit<Integer> g =
        holdingFirstThen(
            firstFlushMayEnd,
            requests -> {
              throw new AssertionError("flush broke");
            },
            GroupCommitTest::evens);
    Future<Boolean> leader = threads.submit(() -> g.submit(1));
    Poll.until(Duration.ofSeconds(10), () -> !batches.isEmpty(), "the leader flushes");
    // Submitted without waiting: nobody but the leader would lead them.
    g.submitAsync(2, tell(2));
    g.submitAsync(4, tell(4));
    firstFlushMayEnd.countDown();
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> leader.get(10, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof AssertionError, e.toString());
    assertEquals(0, g.queued(), "the leader flushed them before it let its Error go");
    assertEquals(List.of(2, 4), told.stream().map(Told::request).toList(), told.toString());
    for (Told t : told) {
      assertTrue(t.recorded(), t.toString());
    }
  }

  @Test
  void aLeaderWhoseOwnRequestWasRecordedReturnsThatThoughALaterFlushItLedEndedInAnError()
      throws Exception {
    AssertionError broke = new AssertionError("flush broke");
    CountDownLatch firstFlushMayEnd = new CountDownLatch(1);
    GroupCommit<Integer> g =
        holdingFirstThen(
            firstFlushMayEnd,
            GroupCommitTest::evens,
            requests -> {
              throw broke;
            });
    Future<Boolean> leader = threads.submit(() -> g.submit(0));
    Poll.until(Duration.ofSeconds(10), () -> !batches.isEmpty(), "the leader flushes");
    g.submitAsync(2, tell(2)); // led by the leader once its own flush is done
    firstFlushMayEnd.countDown();
    assertTrue(
        leader.get(10, TimeUnit.SECONDS),
        "the leader's request was recorded: the Error of the flush it led for another is not its"
            + " answer");
    assertEquals(List.of(List.of(0), List.of(2)), batches);
    assertEquals(1, told.size(), told.toString());
    assertFalse(told.get(0).recorded());
    assertTrue(told.get(0).failure() instanceof IllegalStateException, told.toString());
    assertSame(broke, told.get(0).failure().getCause(), "the request it failed learns the Error");
    assertEquals(0, g.queued());
  }

  @Test
  void aCallerThatLeadsOthersRequestsIntoAnErrorStillGetsItsOwnAnswerAndLeavesNothingQueued()
      throws Exception {
    AssertionError broke = new AssertionError("flush broke");
    CountDownLatch firstFlushMayEnd = new CountDownLatch(1);
    CountDownLatch inCallback = new CountDownLatch(1);
    CountDownLatch callbackMayEnd = new CountDownLatch(1);
    GroupCommit<Integer> g =
        new GroupCommit<>(
            2,
            requests -> {
              boolean first = batches.isEmpty();
              batches.add(List.copyOf(requests));
              if (first) {
                awaitQuietly(firstFlushMayEnd);
              } else if (requests.contains(1)) {
                throw broke;
              }
              return evens(requests);
            });
    // X's flush of 0 is held while 1 and 3 queue behind it; then X's callback is held, with
    // nobody flushing: the next caller to come leads 1 and 3 (a full batch), not its own request.
    Future<?> x =
        threads.submit(
            () ->
                g.submitAsync(
                    0,
                    (recorded, failure) -> {
                      inCallback.countDown();
                      awaitQuietly(callbackMayEnd);
                    }));
    Poll.until(Duration.ofSeconds(10), () -> !batches.isEmpty(), "X flushes");
    g.submitAsync(1, tell(1));
    g.submitAsync(3, tell(3));
    firstFlushMayEnd.countDown();
    awaitQuietly(inCallback);
    Future<Boolean> w = threads.submit(() -> g.submit(4));
    Poll.until(Duration.ofSeconds(10), () -> told.size() == 2, "1 and 3 are answered");
    callbackMayEnd.countDown();
    x.get(10, TimeUnit.SECONDS);
    assertTrue(w.get(10, TimeUnit.SECONDS), "W's own request, 4, was recorded");
    assertEquals(List.of(List.of(0), List.of(1, 3), List.of(4)), batches);
    assertEquals(0, g.queued(), "nothing left behind");
    for (Told t : told) {
      assertFalse(t.recorded(), t.toString());
      assertSame(broke, t.failure().getCause(), t.toString());
    }
  }

  @Test
  void aLeaderWhoseOwnFlushEndsInAnErrorGetsThatErrorOnceAndTheOthersAFailureCausedByIt()
      throws Exception {
    AssertionError broke = new AssertionError("flush broke");
    CountDownLatch firstFlushMayEnd = new CountDownLatch(1);
    GroupCommit<Integer> g =
        holdingFirstThen(
            firstFlushMayEnd,
            GroupCommitTest::evens,
            requests -> {
              throw broke;
            });
    Future<Boolean> x = threads.submit(() -> g.submit(100));
    Poll.until(Duration.ofSeconds(10), () -> !batches.isEmpty(), "X flushes");
    List<Future<Boolean>> waiting = submitWaiting(g, List.of(2, 4), 2, "two callers wait");
    Poll.until(Duration.ofSeconds(10), () -> g.queued() == 2, "both are queued");
    firstFlushMayEnd.countDown();
    assertTrue(x.get(10, TimeUnit.SECONDS));
    // One of the two leads the flush of both, which ends in the Error.
    int errors = 0;
    for (Future<Boolean> f : waiting) {
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
      if (e.getCause() == broke) {
        errors++;
      } else {
        assertTrue(e.getCause() instanceof IllegalStateException, e.toString());
        assertSame(broke, e.getCause().getCause(), e.toString());
      }
    }
    assertEquals(1, errors, "the leader gets the Error itself, the other a failure caused by it");
    assertEquals(2, batches.size(), batches.toString());
    assertEquals(0, g.queued());
  }

  @Test
  void anInterruptedLeaderFlushesUninterruptedAndKeepsItsInterrupt() {
    List<Boolean> interruptedInFlush = new CopyOnWriteArrayList<>();
    GroupCommit<Integer> g =
        new GroupCommit<>(
            10,
            requests -> {
              interruptedInFlush.add(Thread.currentThread().isInterrupted());
              return evens(requests);
            });
    Thread.currentThread().interrupt();
    try {
      assertTrue(g.submit(2));
      g.submitAsync(4, tell(4));
      assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept");
    } finally {
      Thread.interrupted();
    }
    assertEquals(List.of(false, false), interruptedInFlush, "each flush ran uninterrupted");
    assertTrue(told.get(0).recorded());
  }

  @Test
  void aPartialFailureGivesEachCallerItsOwnAnswerOrFailure() throws Exception {
    IllegalArgumentException refused = new IllegalArgumentException("13's data refused");
    CountDownLatch firstFlushMayEnd = new CountDownLatch(1);
    GroupCommit<Integer> g =
        holdingFirstThen(
            firstFlushMayEnd,
            GroupCommitTest::evens,
            requests -> {
              boolean[] recorded = evens(requests);
              RuntimeException[] failures = new RuntimeException[requests.size()];
              failures[requests.indexOf(13)] = refused;
              throw new GroupCommit.PartialFailure(recorded, failures);
            });
    Future<Boolean> leader = threads.submit(() -> g.submit(0));
    Poll.until(Duration.ofSeconds(10), () -> !batches.isEmpty(), "the leader flushes");
    List<Future<Boolean>> waiting =
        submitWaiting(g, List.of(12, 13, 15), 3, "three callers wait behind the flush");
    firstFlushMayEnd.countDown();
    assertTrue(leader.get(10, TimeUnit.SECONDS));
    assertTrue(waiting.get(0).get(10, TimeUnit.SECONDS), "12 recorded");
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> waiting.get(1).get(10, TimeUnit.SECONDS));
    assertSame(refused, e.getCause(), "13 fails with its own failure");
    assertFalse(waiting.get(2).get(10, TimeUnit.SECONDS), "15 answered, not failed");
  }

  @Test
  void manyCallersWaitingAndNotAtOnceAreEachAnsweredOnce() throws Exception {
    GroupCommit<Integer> g = new GroupCommit<>(16, Duration.ofMillis(1), this::evenOnly);
    int callers = 8;
    int each = 2_000;
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> all = new ArrayList<>();
    for (int t = 0; t < callers; t++) {
      int caller = t;
      all.add(
          threads.submit(
              () -> {
                start.await();
                int wrong = 0;
                for (int i = 0; i < each; i++) {
                  int request = caller * each + i;
                  if (i % 2 == 0) {
                    g.submitAsync(request, tell(request));
                  } else if (g.submit(request) != (request % 2 == 0)) {
                    wrong++;
                  }
                }
                return wrong;
              }));
    }
    start.countDown();
    for (Future<Integer> f : all) {
      assertEquals(0, f.get(60, TimeUnit.SECONDS), "every waiting caller gets its own answer");
    }
    Poll.until(
        Duration.ofSeconds(30),
        () -> told.size() == callers * each / 2,
        "every async request is answered");
    Set<Integer> seen = new HashSet<>();
    for (Told t : told) {
      assertTrue(seen.add(t.request()), "told once: " + t.request());
      assertEquals(t.request() % 2 == 0, t.recorded(), "answer of " + t.request());
    }
    assertEquals(callers * each, batches.stream().mapToInt(List::size).sum());
    assertEquals(0, g.queued());
  }

  /**
   * Submits each request on its own thread and waits until at least {@code waiting} of those
   * threads wait (behind a flush in progress).
   */
  private List<Future<Boolean>> submitWaiting(
      GroupCommit<Integer> g, List<Integer> requests, int waiting, String what) {
    List<Thread> started = new CopyOnWriteArrayList<>();
    List<Future<Boolean>> out = new ArrayList<>();
    for (int request : requests) {
      out.add(
          threads.submit(
              () -> {
                started.add(Thread.currentThread());
                return g.submit(request);
              }));
    }
    Poll.until(
        Duration.ofSeconds(10),
        () ->
            started.size() == requests.size()
                && started.stream().filter(t -> t.getState() == Thread.State.WAITING).count()
                    >= waiting,
        what);
    return out;
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      if (!latch.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the test never released the flush");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
