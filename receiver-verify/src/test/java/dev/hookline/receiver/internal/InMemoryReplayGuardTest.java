package dev.hookline.receiver.internal;

import static dev.hookline.receiver.ReplayGuard.State.DONE;
import static dev.hookline.receiver.ReplayGuard.State.IN_PROGRESS;
import static dev.hookline.receiver.ReplayGuard.State.NEW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.receiver.ReplayGuard.State;
import dev.hookline.testing.ManualClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InMemoryReplayGuardTest {
  private final ManualClock clock = ManualClock.at(Instant.parse("2026-11-22T10:15:30Z"));
  private final InMemoryReplayGuard guard = new InMemoryReplayGuard(clock, 1_000);

  @Test
  void aNewIdIsInProgressUntilItsTimeIsUp() {
    Instant until = clock.instant().plusSeconds(300);
    assertEquals(NEW, guard.begin("evt_1", until));
    assertEquals(IN_PROGRESS, guard.begin("evt_1", until));
    clock.set(until);
    assertEquals(IN_PROGRESS, guard.begin("evt_1", until), "still there at its until itself");
    clock.advance(Duration.ofNanos(1));
    assertEquals(
        NEW,
        guard.begin("evt_1", clock.instant().plusSeconds(300)),
        "an in-progress entry whose processor died expires");
  }

  @Test
  void aCompletedIdIsDoneUntilItsNewTime() {
    Instant now = clock.instant();
    assertEquals(NEW, guard.begin("evt_1", now.plusSeconds(300)));
    guard.complete("evt_1", now.plusSeconds(3600));
    assertEquals(DONE, guard.begin("evt_1", now.plusSeconds(300)));
    clock.advance(Duration.ofHours(1));
    assertEquals(DONE, guard.begin("evt_1", now.plusSeconds(300)), "past the in-progress time");
    clock.advance(Duration.ofSeconds(1));
    assertEquals(NEW, guard.begin("evt_1", clock.instant().plusSeconds(300)));
  }

  @Test
  void anAbandonedIdIsNewAgain() {
    Instant until = clock.instant().plusSeconds(300);
    assertEquals(NEW, guard.begin("evt_1", until));
    guard.abandon("evt_1");
    guard.abandon("never-seen");
    assertEquals(NEW, guard.begin("evt_1", until));
    assertEquals(IN_PROGRESS, guard.begin("evt_1", until));
  }

  @Test
  void beginDoesNotExtendALiveEntry() {
    Instant now = clock.instant();
    assertEquals(NEW, guard.begin("evt_1", now.plusSeconds(10)));
    assertEquals(IN_PROGRESS, guard.begin("evt_1", now.plusSeconds(600)));
    clock.advance(Duration.ofSeconds(11));
    assertEquals(NEW, guard.begin("evt_1", now.plusSeconds(600)));
  }

  @Test
  void eachIdExpiresAtItsOwnTime() {
    Instant now = clock.instant();
    assertEquals(NEW, guard.begin("short", now.plusSeconds(10)));
    assertEquals(NEW, guard.begin("long", now.plusSeconds(600)));
    clock.advance(Duration.ofSeconds(11));
    assertEquals(1, guard.size());
    assertEquals(NEW, guard.begin("short", now.plusSeconds(100)));
    assertEquals(IN_PROGRESS, guard.begin("long", now.plusSeconds(600)));
  }

  @Test
  void itIsBoundedInSize() {
    InMemoryReplayGuard small = new InMemoryReplayGuard(clock, 100);
    Instant until = clock.instant().plusSeconds(300);
    for (int i = 0; i < 10_000; i++) {
      small.begin("evt_" + i, until);
      if (i % 2 == 0) {
        small.complete("evt_" + i, until);
      }
    }
    assertTrue(small.size() <= 100, "size " + small.size());
  }

  @Test
  void whenFullItForgetsTheOldestIdsAndRemembersTheNewest() {
    int max = 100;
    InMemoryReplayGuard small = new InMemoryReplayGuard(clock, max);
    Instant until = clock.instant().plusSeconds(300);
    int total = 20 * max;
    for (int i = 0; i < total; i++) {
      assertEquals(NEW, small.begin("evt_" + i, until), "evt_" + i);
    }
    // The most recent ids are still within the tolerance: each replay of them is refused.
    for (int i = total - 1; i >= total - max; i--) {
      assertEquals(IN_PROGRESS, small.begin("evt_" + i, until), "replay of evt_" + i);
    }
    assertEquals(max, small.size());
    assertEquals(total - max, small.evictedEarly(), "every id forgotten early is counted");
    // The oldest were the ones forgotten.
    assertEquals(NEW, small.begin("evt_0", until));
  }

  @Test
  void whenFullItForgetsTheEntryThatExpiresFirst() {
    InMemoryReplayGuard small = new InMemoryReplayGuard(clock, 3);
    Instant now = clock.instant();
    assertEquals(NEW, small.begin("a", now.plusSeconds(300)));
    assertEquals(NEW, small.begin("b", now.plusSeconds(300)));
    small.complete("a", now.plusSeconds(900)); // processed: remembered longer than b
    assertEquals(NEW, small.begin("c", now.plusSeconds(300)));
    assertEquals(NEW, small.begin("d", now.plusSeconds(300))); // full: b goes first
    assertEquals(1, small.evictedEarly());
    assertEquals(DONE, small.begin("a", now.plusSeconds(300)));
    assertEquals(IN_PROGRESS, small.begin("c", now.plusSeconds(300)));
    assertEquals(IN_PROGRESS, small.begin("d", now.plusSeconds(300)));
  }

  @Test
  void expiredIdsMakeRoomWithoutCountingAsEvictedEarly() {
    InMemoryReplayGuard small = new InMemoryReplayGuard(clock, 2);
    Instant now = clock.instant();
    assertEquals(NEW, small.begin("a", now.plusSeconds(10)));
    assertEquals(NEW, small.begin("b", now.plusSeconds(10)));
    clock.advance(Duration.ofSeconds(11));
    assertEquals(NEW, small.begin("c", clock.instant().plusSeconds(10)));
    assertEquals(NEW, small.begin("d", clock.instant().plusSeconds(10)));
    assertEquals(0, small.evictedEarly());
    assertEquals(2, small.size());
  }

  @Test
  void forgettingEarlyIsWarnedAtMostOnceAMinuteWithTheCountAndNoId() {
    InMemoryReplayGuard small = new InMemoryReplayGuard(clock, 2);
    Instant until = clock.instant().plusSeconds(600);
    String log =
        stderrOf(
            () -> {
              for (int i = 0; i < 5; i++) {
                small.begin("evt_secret_looking_" + i, until); // 3 forgotten, the first warned
              }
              clock.advance(Duration.ofSeconds(59));
              small.begin("evt_secret_looking_5", until); // within the minute: no warning
              clock.advance(Duration.ofSeconds(1));
              small.begin("evt_secret_looking_6", until); // a minute on: the 4 since the warning
            });
    List<String> warnings = log.lines().filter(l -> l.contains("WARN")).toList();
    assertEquals(2, warnings.size(), log);
    assertTrue(
        warnings.get(0).contains(" 1 id(s) forgotten") && warnings.get(0).contains("(1 in all)"),
        log);
    assertTrue(
        warnings.get(1).contains(" 4 id(s) forgotten") && warnings.get(1).contains("(5 in all)"),
        log);
    assertFalse(log.contains("evt_secret_looking"), log);
    assertEquals(5, small.evictedEarly());
  }

  private static String stderrOf(Runnable action) {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.err;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      action.run();
    } finally {
      System.setErr(original);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }

  @Test
  void ofConcurrentBeginsOfOneIdExactlyOneIsNew() throws Exception {
    int threads = 16;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int round = 0; round < 50; round++) {
        String id = "evt_" + round;
        Instant until = clock.instant().plusSeconds(300);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<State>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          results.add(
              pool.submit(
                  () -> {
                    start.await();
                    return guard.begin(id, until);
                  }));
        }
        start.countDown();
        int fresh = 0;
        for (Future<State> f : results) {
          State s = f.get(30, TimeUnit.SECONDS);
          if (s == NEW) {
            fresh++;
          } else {
            assertEquals(IN_PROGRESS, s, "round " + round);
          }
        }
        assertEquals(1, fresh, "round " + round);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
