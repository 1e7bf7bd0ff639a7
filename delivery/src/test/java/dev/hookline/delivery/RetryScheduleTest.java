package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetryScheduleTest {

  @Test
  void defaultsAreThreeSecondsToOneDaySixAttemptsTwentyPercentJitter() {
    RetrySchedule s = RetrySchedule.defaults();
    assertEquals(
        List.of(
            Duration.ofSeconds(3),
            Duration.ofSeconds(30),
            Duration.ofMinutes(5),
            Duration.ofHours(1),
            Duration.ofHours(24)),
        s.delays());
    assertEquals(6, s.maxAttempts());
    assertEquals(0.2, s.jitter());
    assertEquals(Duration.ofSeconds(3), s.attemptTimeout());
    assertEquals(Duration.ofHours(24), s.maxDelay());
  }

  @Test
  void jitterStaysWithinTwentyPercentAndMidpointIsExact() {
    RetrySchedule s = RetrySchedule.defaults();
    for (int failed = 1; failed <= 5; failed++) {
      Duration base = s.delays().get(failed - 1);
      assertEquals(base, s.delayAfter(failed, 0.5));
      Duration low = s.delayAfter(failed, 0.0);
      Duration high = s.delayAfter(failed, Math.nextDown(1.0));
      assertEquals(base.multipliedBy(8).dividedBy(10), low);
      assertTrue(high.compareTo(base.multipliedBy(12).dividedBy(10)) <= 0);
      assertTrue(high.compareTo(base.multipliedBy(119).dividedBy(100)) > 0);
    }
  }

  @Test
  void backoffIsAPureFunction() {
    RetrySchedule s = RetrySchedule.defaults();
    assertEquals(s.delayAfter(3, 0.1234), s.delayAfter(3, 0.1234));
  }

  @Test
  void noRetryAfterTheLastAttempt() {
    RetrySchedule s = RetrySchedule.defaults();
    assertTrue(s.hasRetryAfter(5));
    assertFalse(s.hasRetryAfter(6));
    assertThrows(IllegalArgumentException.class, () -> s.delayAfter(6, 0.5));
    assertThrows(IllegalArgumentException.class, () -> s.delayAfter(0, 0.5));
    assertThrows(IllegalArgumentException.class, () -> s.delayAfter(1, 1.0));
  }

  @Test
  void builderValidatesWithClearMessages() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RetrySchedule.builder().delays(Duration.ofSeconds(-1)).build());
    assertTrue(String.valueOf(e.getMessage()).contains("delays[0]"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> RetrySchedule.builder().jitter(1.5).build());
    assertTrue(String.valueOf(e.getMessage()).contains("jitter"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RetrySchedule.builder().attemptTimeout(Duration.ZERO).build());
    assertTrue(String.valueOf(e.getMessage()).contains("attemptTimeout"), e.getMessage());
  }

  @Test
  void toBuilderDerivesAnEqualOrChangedCopy() {
    RetrySchedule s = RetrySchedule.defaults();
    assertEquals(s, s.toBuilder().build());
    RetrySchedule single = s.toBuilder().delays(List.of()).build();
    assertEquals(1, single.maxAttempts());
    assertEquals(Duration.ZERO, single.maxDelay());
    assertFalse(single.hasRetryAfter(1));
  }
}
