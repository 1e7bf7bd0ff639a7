package dev.hookline.delivery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * When to try a delivery again, and how long each attempt may take: the delays after the first,
 * second, ... failed attempt, a jitter fraction, and the per-attempt deadline.
 *
 * <p>The default ({@link #defaults()}) waits 3 s, 30 s, 5 min, 1 h and 24 h after the first five
 * failures (six attempts in all), each delay varied by up to ±20 %, and gives each attempt 3 s.
 *
 * <p>Immutable and thread-safe. {@link #delayAfter(int, double)} is a pure function, so tests can
 * check it without a clock.
 */
public final class RetrySchedule {
  private static final RetrySchedule DEFAULTS = builder().build();

  private final List<Duration> delays;
  private final double jitter;
  private final Duration attemptTimeout;

  private RetrySchedule(Builder b) {
    this.delays = List.copyOf(b.delays);
    this.jitter = b.jitter;
    this.attemptTimeout = b.attemptTimeout;
  }

  /**
   * Returns the default schedule: 3 s, 30 s, 5 min, 1 h, 24 h, ±20 % jitter, 3 s per attempt.
   *
   * @return the default schedule
   */
  public static RetrySchedule defaults() {
    return DEFAULTS;
  }

  /**
   * Starts a builder holding the defaults.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns a builder holding this schedule's values.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.delays = new ArrayList<>(delays);
    b.jitter = jitter;
    b.attemptTimeout = attemptTimeout;
    return b;
  }

  /**
   * Returns the delays after each failed attempt, before jitter.
   *
   * @return the delays, first retry first
   */
  public List<Duration> delays() {
    return delays;
  }

  /**
   * Returns how many attempts a delivery gets before it fails: one more than the delays.
   *
   * @return the maximum number of attempts
   */
  public int maxAttempts() {
    return delays.size() + 1;
  }

  /**
   * Returns the jitter fraction: each delay is varied by up to this fraction either way.
   *
   * @return the fraction, 0 to 1
   */
  public double jitter() {
    return jitter;
  }

  /**
   * Returns the hard deadline of one attempt, covering connecting, sending and reading the
   * response.
   *
   * @return the per-attempt timeout
   */
  public Duration attemptTimeout() {
    return attemptTimeout;
  }

  /**
   * Returns the longest delay, before jitter: the bound for a {@code Retry-After} answer.
   *
   * @return the largest delay, or zero for a schedule without retries
   */
  public Duration maxDelay() {
    Duration max = Duration.ZERO;
    for (Duration d : delays) {
      if (d.compareTo(max) > 0) {
        max = d;
      }
    }
    return max;
  }

  /**
   * Returns whether another attempt follows the given number of failed attempts.
   *
   * @param failedAttempts failed attempts so far in this round, at least 1
   * @return true if the schedule allows another attempt
   */
  public boolean hasRetryAfter(int failedAttempts) {
    return failedAttempts >= 1 && failedAttempts <= delays.size();
  }

  /**
   * Returns the delay before the next attempt. A pure function: the same arguments always give the
   * same delay.
   *
   * @param failedAttempts failed attempts so far in this round, 1 to {@code maxAttempts() - 1}
   * @param jitterUnit a random number in {@code [0, 1)}; 0.5 gives the delay without jitter, 0 the
   *     shortest and values near 1 the longest
   * @return the delay, never negative
   * @throws IllegalArgumentException if no retry follows {@code failedAttempts} failures, or the
   *     jitter unit is outside {@code [0, 1)}
   */
  public Duration delayAfter(int failedAttempts, double jitterUnit) {
    if (!hasRetryAfter(failedAttempts)) {
      throw new IllegalArgumentException(
          "no retry follows "
              + failedAttempts
              + " failed attempts: this schedule allows 1 to "
              + delays.size());
    }
    if (!(jitterUnit >= 0.0 && jitterUnit < 1.0)) {
      throw new IllegalArgumentException("jitterUnit must be in [0, 1), was " + jitterUnit);
    }
    Duration base = delays.get(failedAttempts - 1);
    double factor = 1.0 + jitter * (2.0 * jitterUnit - 1.0);
    long nanos = Math.round(saturatedNanos(base) * factor);
    return Duration.ofNanos(Math.max(0L, nanos));
  }

  private static double saturatedNanos(Duration d) {
    return d.getSeconds() * 1e9 + d.getNano();
  }

  @Override
  public boolean equals(@org.jspecify.annotations.Nullable Object o) {
    return o instanceof RetrySchedule r
        && delays.equals(r.delays)
        && Double.compare(jitter, r.jitter) == 0
        && attemptTimeout.equals(r.attemptTimeout);
  }

  @Override
  public int hashCode() {
    return Objects.hash(delays, jitter, attemptTimeout);
  }

  @Override
  public String toString() {
    return "RetrySchedule[delays="
        + delays
        + ", jitter="
        + jitter
        + ", attemptTimeout="
        + attemptTimeout
        + "]";
  }

  /** Builds a {@link RetrySchedule}. Not thread-safe. */
  public static final class Builder {
    /** The longest delay a schedule may hold. */
    private static final Duration MAX_DELAY = Duration.ofDays(7);

    /** The most retries a schedule may hold. */
    private static final int MAX_RETRIES = 100;

    private List<Duration> delays =
        new ArrayList<>(
            List.of(
                Duration.ofSeconds(3),
                Duration.ofSeconds(30),
                Duration.ofMinutes(5),
                Duration.ofHours(1),
                Duration.ofHours(24)));
    private double jitter = 0.2;
    private Duration attemptTimeout = Duration.ofSeconds(3);

    private Builder() {}

    /**
     * Sets the delays after each failed attempt; an empty list means a single attempt.
     *
     * @param delays 0 to 100 delays, each zero to 7 days
     * @return this builder
     */
    public Builder delays(List<Duration> delays) {
      List<Duration> copy = new ArrayList<>(delays.size());
      for (Duration d : delays) {
        copy.add(Objects.requireNonNull(d, "delay"));
      }
      this.delays = copy;
      return this;
    }

    /**
     * Sets the delays after each failed attempt.
     *
     * @param delays the delays
     * @return this builder
     */
    public Builder delays(Duration... delays) {
      return delays(List.of(delays));
    }

    /**
     * Sets the jitter fraction.
     *
     * @param fraction 0 (none) to 1; default 0.2 (±20 %)
     * @return this builder
     */
    public Builder jitter(double fraction) {
      this.jitter = fraction;
      return this;
    }

    /**
     * Sets the hard deadline of one attempt.
     *
     * @param timeout 1 ms to 5 min; default 3 s
     * @return this builder
     */
    public Builder attemptTimeout(Duration timeout) {
      this.attemptTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Validates and builds the schedule.
     *
     * @return the schedule
     * @throws IllegalArgumentException naming the bad setting and what is allowed
     */
    public RetrySchedule build() {
      if (delays.size() > MAX_RETRIES) {
        throw new IllegalArgumentException(
            "delays holds " + delays.size() + " entries; at most " + MAX_RETRIES + " allowed");
      }
      for (int i = 0; i < delays.size(); i++) {
        Duration d = delays.get(i);
        if (d.isNegative() || d.compareTo(MAX_DELAY) > 0) {
          throw new IllegalArgumentException(
              "delays[" + i + "] is " + d + "; each delay must be zero to " + MAX_DELAY);
        }
      }
      if (!(jitter >= 0.0 && jitter <= 1.0)) {
        throw new IllegalArgumentException("jitter is " + jitter + "; it must be 0 to 1");
      }
      if (attemptTimeout.compareTo(Duration.ofMillis(1)) < 0
          || attemptTimeout.compareTo(Duration.ofMinutes(5)) > 0) {
        throw new IllegalArgumentException(
            "attemptTimeout is " + attemptTimeout + "; it must be 1 ms to 5 min");
      }
      return new RetrySchedule(this);
    }
  }
}
