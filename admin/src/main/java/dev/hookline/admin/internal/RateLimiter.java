package dev.hookline.admin.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A fixed-window counter per key (a client address, a webhook id), on an injected clock.
 * Thread-safe.
 *
 * <p>Holds at most {@link #MAX_KEYS} keys, in the order their windows started. To make room it
 * drops finished windows first, then the oldest keys that have not used up their window. It never
 * drops a key that is blocked: otherwise whoever can act from many keys (an attacker with many
 * addresses) could push its own blocked key out by acting from others, and be let in again. While
 * every key held is blocked, a key it does not hold is blocked too, until the earliest window ends
 * ({@link #blockedFor}): failing closed is the safe side, and the table is full of blocked keys
 * only while someone acts from {@link #MAX_KEYS} keys at once.
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
    if (w == null) {
      // A key not held is blocked only while the table is full of blocked keys.
      return windows.size() < MAX_KEYS || hasRoom(now)
          ? OptionalLong.empty()
          : OptionalLong.of(seconds(earliestEnd() - now));
    }
    if (now >= end(w) || w[1] < max) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(seconds(end(w) - now));
  }

  /** Counts one act of the key. */
  synchronized void record(String key) {
    long now = clock.millis();
    long[] w = windows.get(key);
    if (w != null && now < end(w)) {
      w[1]++;
      return;
    }
    if (w != null) {
      windows.remove(key); // a new window: to the end of the order
    } else if (windows.size() >= MAX_KEYS && !makeRoom(now)) {
      return; // every key held is blocked; blockedFor refuses keys not held meanwhile
    }
    windows.put(key, new long[] {now, 1});
  }

  /** Counts one act if the key may act; otherwise returns the seconds to wait. */
  synchronized OptionalLong tryAcquire(String key) {
    OptionalLong blocked = blockedFor(key);
    if (blocked.isEmpty()) {
      record(key);
    }
    return blocked;
  }

  /**
   * One act counted by {@link #take}, to {@link #giveBack} if it did not happen; or the seconds to
   * wait, if the key may not act.
   *
   * @param waitSeconds empty if the act was counted
   * @param windowStart the start (clock millis) of the window it was counted in
   */
  record Taken(OptionalLong waitSeconds, long windowStart) {
    boolean counted() {
      return waitSeconds.isEmpty();
    }
  }

  /** As {@link #tryAcquire}, saying which window the act was counted in. */
  synchronized Taken take(String key) {
    OptionalLong blocked = tryAcquire(key);
    long[] w = windows.get(key);
    // Not held though counted only when every key held is blocked (record kept none): nothing
    // to give back then.
    return new Taken(blocked, blocked.isEmpty() && w != null ? w[0] : Long.MIN_VALUE);
  }

  /**
   * Gives back an act {@link #take} counted that did not happen (a refused redelivery requeued
   * nothing), while the key's window is still the one it was counted in: in a later one it counts
   * nowhere already.
   */
  synchronized void giveBack(String key, Taken taken) {
    long[] w = windows.get(key);
    if (taken.counted()
        && w != null
        && w[0] == taken.windowStart()
        && clock.millis() < end(w)
        && w[1] > 0) {
      w[1]--;
    }
  }

  private long end(long[] w) {
    return w[0] + window.toMillis();
  }

  private boolean blocked(long[] w, long now) {
    return now < end(w) && w[1] >= max;
  }

  /** Whether a key could be dropped: a finished window, or one not used up. */
  private boolean hasRoom(long now) {
    for (long[] w : windows.values()) {
      if (!blocked(w, now)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Drops finished windows, then the oldest keys not blocked, until there is room for one more.
   * Returns false, dropping nothing blocked, if every key held is blocked.
   */
  private boolean makeRoom(long now) {
    windows.values().removeIf(w -> now >= end(w));
    for (Iterator<long[]> it = windows.values().iterator();
        windows.size() >= MAX_KEYS && it.hasNext(); ) {
      if (!blocked(it.next(), now)) {
        it.remove();
      }
    }
    return windows.size() < MAX_KEYS;
  }

  private long earliestEnd() {
    long earliest = Long.MAX_VALUE;
    for (long[] w : windows.values()) {
      earliest = Math.min(earliest, end(w));
    }
    return earliest;
  }

  private static long seconds(long millis) {
    return Math.max(1, (millis + 999) / 1000);
  }

  Instant now() {
    return clock.instant();
  }
}
