package dev.hookline.admin.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A fixed-window counter per key (a client address, a webhook id), on an injected clock. Holds at
 * most {@link #MAX_KEYS} keys, dropping finished windows first. Thread-safe.
 */
final class RateLimiter {
  static final int MAX_KEYS = 10_000;

  private final int max;
  private final Duration window;
  private final Clock clock;
  private final Map<String, long[]> windows = new LinkedHashMap<>(); // key -> {startMillis, count}

  RateLimiter(int max, Duration window, Clock clock) {
    this.max = max;
    this.window = window;
    this.clock = clock;
  }

  /** Seconds until the key may act again, if it has used up its window; empty if it may act. */
  synchronized OptionalLong blockedFor(String key) {
    long now = clock.millis();
    long[] w = windows.get(key);
    if (w == null || now >= w[0] + window.toMillis() || w[1] < max) {
      return OptionalLong.empty();
    }
    long waitMillis = w[0] + window.toMillis() - now;
    return OptionalLong.of(Math.max(1, (waitMillis + 999) / 1000));
  }

  /** Counts one act of the key. */
  synchronized void record(String key) {
    long now = clock.millis();
    long[] w = windows.get(key);
    if (w == null || now >= w[0] + window.toMillis()) {
      if (windows.size() >= MAX_KEYS) {
        evict(now);
      }
      windows.put(key, new long[] {now, 1});
    } else {
      w[1]++;
    }
  }

  /** Counts one act if the key may act; otherwise returns the seconds to wait. */
  synchronized OptionalLong tryAcquire(String key) {
    OptionalLong blocked = blockedFor(key);
    if (blocked.isEmpty()) {
      record(key);
    }
    return blocked;
  }

  private void evict(long now) {
    for (Iterator<long[]> it = windows.values().iterator(); it.hasNext(); ) {
      if (now >= it.next()[0] + window.toMillis()) {
        it.remove();
      }
    }
    Iterator<String> oldest = windows.keySet().iterator();
    while (windows.size() >= MAX_KEYS && oldest.hasNext()) {
      oldest.next();
      oldest.remove();
    }
  }

  Instant now() {
    return clock.instant();
  }
}
