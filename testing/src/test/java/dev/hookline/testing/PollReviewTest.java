package dev.hookline.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What the eleventh review round found in {@link Poll}. */
class PollReviewTest {
  @Test
  void aBoundTooLongForNanosecondsMeansWaitAsLongAsItTakes() {
    AtomicInteger checks = new AtomicInteger();
    Poll.until(
        ChronoUnit.FOREVER.getDuration(), () -> checks.incrementAndGet() >= 3, "three checks");
    Poll.until(Duration.ofSeconds(Long.MAX_VALUE / 1_000_000_000L + 1), () -> true, "at once");
    assertEquals(3, checks.get());
  }
}
