package dev.hookline.delivery;

import java.time.Duration;
import java.util.Objects;

/**
 * When an endpoint's circuit breaker opens, and for how long. The breaker opens when, over the last
 * {@link #window()} attempts to an endpoint (at least {@link #minimumAttempts()} of them), the
 * share that failed reaches {@link #failureRate()}. While it is open the endpoint gets no requests
 * and its deliveries stay queued; after {@link #coolDown()} one probe goes out: success closes the
 * breaker, failure opens it again. Each dispatcher instance keeps its own breakers.
 *
 * <p>Immutable and thread-safe; {@link Builder} is not.
 */
public final class CircuitBreakerPolicy {
  private static final CircuitBreakerPolicy DEFAULTS = builder().build();

  private final int window;
  private final int minimumAttempts;
  private final double failureRate;
  private final Duration coolDown;

  private CircuitBreakerPolicy(Builder b) {
    this.window = b.window;
    this.minimumAttempts = b.minimumAttempts;
    this.failureRate = b.failureRate;
    this.coolDown = b.coolDown;
  }

  /**
   * The default policy: a window of 20 attempts, at least 10 of them, 50 % failing, 1 minute cool
   * down.
   *
   * @return the default policy
   */
  public static CircuitBreakerPolicy defaults() {
    return DEFAULTS;
  }

  /**
   * Starts a builder with the default values.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns a builder holding this policy's values.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    return new Builder()
        .window(window)
        .minimumAttempts(minimumAttempts)
        .failureRate(failureRate)
        .coolDown(coolDown);
  }

  /**
   * Returns how many recent attempts the failure rate is taken over.
   *
   * @return the window, in attempts
   */
  public int window() {
    return window;
  }

  /**
   * Returns the fewest attempts in the window before the breaker may open.
   *
   * @return the minimum number of attempts
   */
  public int minimumAttempts() {
    return minimumAttempts;
  }

  /**
   * Returns the failure rate, in (0, 1], that opens the breaker.
   *
   * @return the failure rate
   */
  public double failureRate() {
    return failureRate;
  }

  /**
   * Returns how long the breaker stays open before it lets a probe through.
   *
   * @return the cool-down
   */
  public Duration coolDown() {
    return coolDown;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CircuitBreakerPolicy p
        && window == p.window
        && minimumAttempts == p.minimumAttempts
        && Double.compare(failureRate, p.failureRate) == 0
        && coolDown.equals(p.coolDown);
  }

  @Override
  public int hashCode() {
    return Objects.hash(window, minimumAttempts, failureRate, coolDown);
  }

  @Override
  public String toString() {
    return "CircuitBreakerPolicy[window="
        + window
        + ", minimumAttempts="
        + minimumAttempts
        + ", failureRate="
        + failureRate
        + ", coolDown="
        + coolDown
        + "]";
  }

  /** Builds a {@link CircuitBreakerPolicy}. Not thread-safe. */
  public static final class Builder {
    private int window = 20;
    private int minimumAttempts = 10;
    private double failureRate = 0.5;
    private Duration coolDown = Duration.ofMinutes(1);

    private Builder() {}

    /**
     * Sets how many recent attempts the failure rate is taken over, 1 to 10,000. Default 20.
     *
     * @param attempts the window
     * @return this builder
     */
    public Builder window(int attempts) {
      this.window = attempts;
      return this;
    }

    /**
     * Sets the fewest attempts in the window before the breaker may open, 1 to the window. Default
     * 10.
     *
     * @param attempts the minimum
     * @return this builder
     */
    public Builder minimumAttempts(int attempts) {
      this.minimumAttempts = attempts;
      return this;
    }

    /**
     * Sets the failure rate that opens the breaker, greater than 0 and at most 1. Default 0.5.
     *
     * @param rate the rate
     * @return this builder
     */
    public Builder failureRate(double rate) {
      this.failureRate = rate;
      return this;
    }

    /**
     * Sets how long the breaker stays open before a probe, 1 ms to 1 day. Default 1 minute.
     *
     * @param coolDown the cool-down
     * @return this builder
     */
    public Builder coolDown(Duration coolDown) {
      this.coolDown = Objects.requireNonNull(coolDown, "coolDown");
      return this;
    }

    /**
     * Validates and builds the policy.
     *
     * @return the policy
     * @throws IllegalArgumentException naming the setting that is out of range, and its range
     */
    public CircuitBreakerPolicy build() {
      if (window < 1 || window > 10_000) {
        throw new IllegalArgumentException("window is " + window + "; it must be 1 to 10000");
      }
      if (minimumAttempts < 1 || minimumAttempts > window) {
        throw new IllegalArgumentException(
            "minimumAttempts is "
                + minimumAttempts
                + "; it must be 1 to the window ("
                + window
                + ")");
      }
      if (!(failureRate > 0 && failureRate <= 1)) {
        throw new IllegalArgumentException(
            "failureRate is " + failureRate + "; it must be greater than 0 and at most 1");
      }
      if (coolDown.compareTo(Duration.ofMillis(1)) < 0
          || coolDown.compareTo(Duration.ofDays(1)) > 0) {
        throw new IllegalArgumentException(
            "coolDown is " + coolDown + "; it must be 1 ms to 1 day");
      }
      return new CircuitBreakerPolicy(this);
    }
  }
}
