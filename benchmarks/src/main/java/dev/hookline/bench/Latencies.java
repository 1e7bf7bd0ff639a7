package dev.hookline.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * Records latencies in microseconds and reports percentiles. Keeps every sample (a few hundred
 * thousand at most in a harness run), so percentiles are exact. Thread-safe.
 */
final class Latencies {
  private long[] samples = new long[1 << 16];
  private int size;

  synchronized void recordNanos(long nanos) {
    if (size == samples.length) {
      samples = Arrays.copyOf(samples, size * 2);
    }
    samples[size++] = nanos / 1_000;
  }

  synchronized int count() {
    return size;
  }

  synchronized String summary() {
    if (size == 0) {
      return "no samples";
    }
    long[] sorted = Arrays.copyOf(samples, size);
    Arrays.sort(sorted);
    return String.format(
        Locale.ROOT,
        "p50 %.2f ms, p99 %.2f ms, max %.2f ms (n=%d)",
        sorted[(int) (size * 0.50)] / 1000.0,
        sorted[Math.min(size - 1, (int) (size * 0.99))] / 1000.0,
        sorted[size - 1] / 1000.0,
        size);
  }

  synchronized double percentileMillis(double p) {
    long[] sorted = Arrays.copyOf(samples, size);
    Arrays.sort(sorted);
    return sorted[Math.min(size - 1, (int) (size * p))] / 1000.0;
  }
}
