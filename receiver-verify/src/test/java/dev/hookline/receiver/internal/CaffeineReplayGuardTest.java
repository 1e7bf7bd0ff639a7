package dev.hookline.receiver.internal;

import static dev.hookline.receiver.ReplayGuard.State.DONE;
import static dev.hookline.receiver.ReplayGuard.State.IN_PROGRESS;
import static dev.hookline.receiver.ReplayGuard.State.NEW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.receiver.ReplayGuard.State;
import dev.hookline.testing.ManualClock;
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

class CaffeineReplayGuardTest {
  private final ManualClock clock = ManualClock.at(Instant.parse("2026-11-22T10:15:30Z"));
  private final CaffeineReplayGuard guard = new CaffeineReplayGuard(clock, 1_000);

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
    CaffeineReplayGuard small = new CaffeineReplayGuard(clock, 100);
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
