package dev.hookline.admin.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** An act given back frees its place in the window it was counted in, and in no later one. */
class RateLimiterGiveBackReviewTest {
  private final ManualClock clock = ManualClock.at(Instant.parse("2026-11-30T10:00:00Z"));
  private final RateLimiter limiter = new RateLimiter(1, Duration.ofMinutes(1), clock);

  @Test
  void aPlaceGivenBackCanBeTakenAgain() {
    RateLimiter.Taken first = limiter.take("wh");
    assertTrue(first.counted());
    assertFalse(limiter.take("wh").counted(), "the one place is taken");
    limiter.giveBack("wh", first);
    assertTrue(limiter.take("wh").counted());
    assertFalse(limiter.take("wh").counted());
  }

  @Test
  void anActOfAnEndedWindowIsNotGivenBackToTheNextOne() {
    RateLimiter.Taken old = limiter.take("wh");
    clock.advance(Duration.ofMinutes(1));
    assertTrue(limiter.take("wh").counted(), "a new window");
    limiter.giveBack("wh", old);
    assertFalse(limiter.take("wh").counted(), "the new window's act still counts");
  }

  @Test
  void aRefusedTakeGivesNothingBack() {
    assertTrue(limiter.take("wh").counted());
    RateLimiter.Taken refused = limiter.take("wh");
    assertFalse(refused.counted());
    limiter.giveBack("wh", refused);
    assertFalse(limiter.take("wh").counted());
  }
}
