package dev.hookline.store.jdbc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.testing.Poll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
    List<Thread> waiting = new CopyOnWriteArrayList<>();
    List<Future<Boolean>> followers = new ArrayList<>();
    for (int n = 1; n <= 5; n++) {
      int request = n;
      followers.add(
          threads.submit(
              () -> {
                waiting.add(Thread.currentThread());
                return g.submit(request);
              }));
    }
    Poll.until(
        Duration.ofSeconds(10),
        () ->
            waiting.size() == 5
                && waiting.stream().allMatch(t -> t.getState() == Thread.State.WAITING),
        "five callers wait behind the flush in progress");
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
    List<Thread> waiting = new CopyOnWriteArrayList<>();
    List<Future<Boolean>> all = new ArrayList<>();
    for (int n = 0; n < 5; n++) {
      int request = n;
      all.add(
          threads.submit(
              () -> {
                waiting.add(Thread.currentThread());
                return g.submit(request);
              }));
    }
    Poll.until(
        Duration.ofSeconds(10),
        () ->
            waiting.size() == 5
                && waiting.stream().filter(t -> t.getState() == Thread.State.WAITING).count() >= 4,
        "four callers wait behind the first flush");
    firstFlushMayEnd.countDown();
    for (Future<Boolean> f : all) {
      f.get();
    }
    assertTrue(batches.stream().allMatch(b -> b.size() <= 2), batches.toString());
    assertEquals(5, batches.stream().mapToInt(List::size).sum());
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
