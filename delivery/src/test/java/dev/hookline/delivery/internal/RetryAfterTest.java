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

  @Test
  void parsesTheObsoleteRfc850Form() {
    assertEquals(
        Optional.of(Duration.ofSeconds(90)),
        RetryAfter.parse("Thursday, 01-Jan-26 00:01:30 GMT", NOW));
  }

  @Test
  void anRfc850YearMoreThanFiftyYearsAheadIsInThePastCentury() {
    // "76" would be 2 January 2076, more than 50 years after NOW: RFC 9110 has it read as 1976
    // (a Friday), long past.
    assertEquals(
        Optional.of(Duration.ZERO), RetryAfter.parse("Friday, 02-Jan-76 00:00:00 GMT", NOW));
    // "75" is 2075, within 50 years: a date in the future.
    assertEquals(
        Optional.of(Duration.between(NOW, Instant.parse("2075-01-01T00:00:00Z"))),
        RetryAfter.parse("Tuesday, 01-Jan-75 00:00:00 GMT", NOW));
  }

  @Test
  void parsesTheAsctimeForm() {
    assertEquals(
        Optional.of(Duration.ofSeconds(90)), RetryAfter.parse("Thu Jan  1 00:01:30 2026", NOW));
    assertEquals(
        Optional.of(Duration.ofDays(11)), RetryAfter.parse("Mon Jan 12 00:00:00 2026", NOW));
  }

  @Test
  void malformedObsoleteDatesAreIgnored() {
    assertEquals(Optional.empty(), RetryAfter.parse("Thursday, 01-Jan-2026 00:01:30 GMT", NOW));
    assertEquals(Optional.empty(), RetryAfter.parse("Thursday, 32-Jan-26 00:01:30 GMT", NOW));
    assertEquals(Optional.empty(), RetryAfter.parse("Thursday, 01-Foo-26 00:01:30 GMT", NOW));
    assertEquals(Optional.empty(), RetryAfter.parse("Thursday, 01-Jan-26 00:01:30 PST", NOW));
    assertEquals(Optional.empty(), RetryAfter.parse("Thu Jan  1 25:01:30 2026", NOW));
    assertEquals(Optional.empty(), RetryAfter.parse("Thu Feb 30 00:00:00 2026", NOW));
    assertEquals(Optional.empty(), RetryAfter.parse("Thu Jan 1 00:01:30", NOW));
    assertEquals(Optional.empty(), RetryAfter.parse("Fri Jan  1 00:01:30 2026", NOW)); // a Thursday
  }
}
