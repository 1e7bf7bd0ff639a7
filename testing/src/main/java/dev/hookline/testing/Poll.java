package dev.hookline.testing;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The bounded wait for tests that await real I/O (a request arriving over loopback, a background
 * worker finishing): checks a condition every few milliseconds until it holds, and fails with an
 * {@link AssertionError} naming what was awaited once the bound has passed. Time that a test can
 * drive belongs on a {@link ManualClock} instead; this is only for what a test cannot drive.
 *
 * <pre>{@code
 * Poll.until(Duration.ofSeconds(10), () -> sink.total() == 1, "the delivery reaches the sink");
 * }</pre>
 *
 * <p>Stateless and thread-safe; the condition runs on the calling thread.
 */
public final class Poll {
  /** How long the caller parks between two checks. */
  private static final long PAUSE_NANOS = Duration.ofMillis(5).toNanos();

  /** The longest bound that is measured; a longer one (such as {@code FOREVER}) waits unbounded. */
  private static final Duration LONGEST = Duration.ofNanos(Long.MAX_VALUE);

  private Poll() {}

  /**
   * Waits until {@code condition} holds, checking it at once and then every few milliseconds.
   *
   * @param max how long to wait at most; the condition is checked once more after it has passed. A
   *     bound of about 292 years or more (such as {@code ChronoUnit.FOREVER.getDuration()}) waits
   *     until the condition holds or the thread is interrupted
   * @param condition what to wait for; it should be quick and free of side effects
   * @param description what is awaited, for the failure message ("the delivery succeeds")
   * @throws AssertionError if the condition does not hold within {@code max}, or the thread is
   *     interrupted (the interrupt is kept)
   * @throws IllegalArgumentException if {@code max} is negative
   * @throws RuntimeException what the condition throws: the wait ends at once, with that exception
   */
  public static void until(Duration max, BooleanSupplier condition, String description) {
    Objects.requireNonNull(description, "description");
    until(max, condition, () -> description);
  }

  /**
   * Waits until {@code condition} holds, checking it at once and then every few milliseconds; the
   * description is computed only on failure, so it may report the state the wait ended in.
   *
   * @param max how long to wait at most; the condition is checked once more after it has passed. A
   *     bound of about 292 years or more (such as {@code ChronoUnit.FOREVER.getDuration()}) waits
   *     until the condition holds or the thread is interrupted
   * @param condition what to wait for; it should be quick and free of side effects
   * @param description what is awaited, for the failure message
   * @throws AssertionError if the condition does not hold within {@code max}, or the thread is
   *     interrupted (the interrupt is kept)
   * @throws IllegalArgumentException if {@code max} is negative
   * @throws RuntimeException what the condition throws: the wait ends at once, with that exception
   */
  public static void until(Duration max, BooleanSupplier condition, Supplier<String> description) {
    Objects.requireNonNull(max, "max");
    Objects.requireNonNull(condition, "condition");
    Objects.requireNonNull(description, "description");
    if (max.isNegative()) {
      throw new IllegalArgumentException("max must not be negative, was " + max);
    }
    // Real elapsed time is the point here: the awaited work runs on other threads and sockets.
    long start = System.nanoTime();
    // Beyond Long.MAX_VALUE ns (about 292 years) toNanos() overflows: such a bound means no bound.
    long limit = max.compareTo(LONGEST) >= 0 ? Long.MAX_VALUE : max.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - start > limit) {
        if (condition.getAsBoolean()) {
          return;
        }
        throw new AssertionError("waited " + max + " in vain for: " + description.get());
      }
      if (Thread.currentThread().isInterrupted()) {
        throw new AssertionError("interrupted while waiting for: " + description.get());
      }
      LockSupport.parkNanos(PAUSE_NANOS);
    }
  }
}
