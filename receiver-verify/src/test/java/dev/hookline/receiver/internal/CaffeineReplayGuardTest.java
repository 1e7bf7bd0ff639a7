package dev.hookline.receiver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
  void anIdIsSeenOnceUntilItsTimeIsUp() {
    Instant until = clock.instant().plusSeconds(300);
    assertTrue(guard.markSeen("evt_1", until));
    assertFalse(guard.markSeen("evt_1", until));
    clock.set(until);
    assertFalse(guard.markSeen("evt_1", until), "still remembered at rememberUntil itself");
    clock.advance(Duration.ofSeconds(1));
    assertTrue(guard.markSeen("evt_1", clock.instant().plusSeconds(300)), "forgotten after it");
  }

  @Test
  void eachIdExpiresAtItsOwnTime() {
    Instant now = clock.instant();
    assertTrue(guard.markSeen("short", now.plusSeconds(10)));
    assertTrue(guard.markSeen("long", now.plusSeconds(600)));
    clock.advance(Duration.ofSeconds(11));
    assertEquals(1, guard.size());
    assertTrue(guard.markSeen("short", now.plusSeconds(100)));
    assertFalse(guard.markSeen("long", now.plusSeconds(600)));
  }

  @Test
  void aForgottenIdIsNewAgain() {
    Instant until = clock.instant().plusSeconds(300);
    assertTrue(guard.markSeen("evt_1", until));
    guard.forget("evt_1");
    guard.forget("never-seen");
    assertTrue(guard.markSeen("evt_1", until));
  }

  @Test
  void itIsBoundedInSize() {
    CaffeineReplayGuard small = new CaffeineReplayGuard(clock, 100);
    Instant until = clock.instant().plusSeconds(300);
    for (int i = 0; i < 10_000; i++) {
      small.markSeen("evt_" + i, until);
    }
    assertTrue(small.size() <= 100, "size " + small.size());
  }

  @Test
  void ofConcurrentMarksOfOneIdExactlyOneWins() throws Exception {
    int threads = 16;
    for (int round = 0; round < 50; round++) {
      String id = "evt_" + round;
      Instant until = clock.instant().plusSeconds(300);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          results.add(
              pool.submit(
                  () -> {
                    start.await();
                    return guard.markSeen(id, until);
                  }));
        }
        start.countDown();
        int winners = 0;
        for (Future<Boolean> f : results) {
          if (f.get(30, TimeUnit.SECONDS)) {
            winners++;
          }
        }
        assertEquals(1, winners, "round " + round);
      } finally {
        pool.shutdownNow();
      }
    }
  }
}
