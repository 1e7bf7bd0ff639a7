package dev.hookline.delivery.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetryAfterTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void parsesSeconds() {
    assertEquals(Optional.of(Duration.ofMinutes(2)), RetryAfter.parse(" 120 ", NOW));
  }

  @Test
  void parsesHttpDate() {
    assertEquals(
        Optional.of(Duration.ofSeconds(90)),
        RetryAfter.parse("Thu, 01 Jan 2026 00:01:30 GMT", NOW));
  }

  @Test
  void dateInThePastMeansNow() {
    assertEquals(
        Optional.of(Duration.ZERO), RetryAfter.parse("Wed, 31 Dec 2025 23:00:00 GMT", NOW));
  }

  @Test
  void garbageIsIgnored() {
    assertEquals(Optional.empty(), RetryAfter.parse("soon", NOW));
    assertEquals(Optional.empty(), RetryAfter.parse("", NOW));
    assertEquals(Optional.empty(), RetryAfter.parse("-5", NOW));
  }
}
