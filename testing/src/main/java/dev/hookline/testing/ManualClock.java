package dev.hookline.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * A {@link Clock} that moves only when a test moves it, so tests of retries, leases and expiry
 * never sleep.
 *
 * <p>Thread-safe: the time is held atomically, so worker threads read what the test set.
 */
public final class ManualClock extends Clock {
  private final Time now;
  private final ZoneId zone;

  private ManualClock(Time now, ZoneId zone) {
    this.now = now;
    this.zone = zone;
  }

  /**
   * A clock stopped at the given instant, in UTC.
   *
   * @param start the starting time
   * @return the clock
   */
  public static ManualClock at(Instant start) {
    return new ManualClock(new Time(Objects.requireNonNull(start, "start")), ZoneOffset.UTC);
  }

  /**
   * A clock stopped at 2026-01-01T00:00:00Z, in UTC.
   *
   * @return the clock
   */
  public static ManualClock startingAtEpoch2026() {
    return at(Instant.parse("2026-01-01T00:00:00Z"));
  }

  /**
   * Moves the clock forward.
   *
   * @param amount how far; must not be negative
   * @return the new time
   */
  public Instant advance(Duration amount) {
    Objects.requireNonNull(amount, "amount");
    if (amount.isNegative()) {
      throw new IllegalArgumentException("a clock does not go back: " + amount);
    }
    return now.advance(amount);
  }

  /**
   * Sets the time; it may go back, to test clock skew.
   *
   * @param instant the new time
   */
  public void set(Instant instant) {
    now.set(Objects.requireNonNull(instant, "instant"));
  }

  @Override
  public Instant instant() {
    return now.get();
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  @Override
  public Clock withZone(ZoneId newZone) {
    return new ManualClock(now, Objects.requireNonNull(newZone, "zone"));
  }

  @Override
  public String toString() {
    return "ManualClock[" + now.get() + "]";
  }

  /** The time, shared by clocks derived with {@link #withZone}. */
  private static final class Time {
    private volatile Instant value;

    Time(Instant start) {
      this.value = start;
    }

    Instant get() {
      return value;
    }

    synchronized void set(Instant instant) {
      value = instant;
    }

    synchronized Instant advance(Duration amount) {
      value = value.plus(amount);
      return value;
    }
  }
}
