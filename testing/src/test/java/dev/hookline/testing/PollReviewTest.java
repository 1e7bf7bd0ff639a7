package dev.hookline.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What the eleventh and fourteenth review rounds found in {@link Poll}. */
class PollReviewTest {
  @Test
  void aBoundTooLongForNanosecondsMeansWaitAsLongAsItTakes() {
    AtomicInteger checks = new AtomicInteger();
    Poll.until(
        ChronoUnit.FOREVER.getDuration(), () -> checks.incrementAndGet() >= 3, "three checks");
    Poll.until(Duration.ofSeconds(Long.MAX_VALUE / 1_000_000_000L + 1), () -> true, "at once");
    assertEquals(3, checks.get());
  }

  @Test
  void aFailedWaitNamesWhatWasAwaitedAndForHowLong() {
    AtomicInteger checks = new AtomicInteger();
    AssertionError e =
        assertThrows(
            AssertionError.class,
            () -> Poll.until(Duration.ofMillis(20), () -> false, () -> "x; " + checks.get()));
    assertEquals("waited PT0.02S in vain for: x; 0", e.getMessage());
  }

  @Test
  void anInterruptedWaitFailsAtOnceAndKeepsTheInterrupt() {
    Thread.currentThread().interrupt();
    AssertionError e =
        assertThrows(
            AssertionError.class,
            () -> Poll.until(ChronoUnit.FOREVER.getDuration(), () -> false, "never"));
    assertTrue(Thread.interrupted(), "the interrupt is kept"); // and cleared for the next test
    assertEquals("interrupted while waiting for: never", e.getMessage());
  }

  @Test
  void aConditionThatThrowsEndsTheWaitWithItsException() {
    IllegalStateException boom = new IllegalStateException("boom");
    AtomicInteger checks = new AtomicInteger();
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                Poll.until(
                    Duration.ofSeconds(10),
                    () -> {
                      if (checks.incrementAndGet() == 2) {
                        throw boom;
                      }
                      return false;
                    },
                    "a throwing condition"));
    assertSame(boom, e);
    assertEquals(2, checks.get(), "not checked again after it threw");
  }

  @Test
  void aNegativeBoundIsRefused() {
    assertThrows(
        IllegalArgumentException.class, () -> Poll.until(Duration.ofMillis(-1), () -> true, "x"));
  }
}
