package dev.hookline.receiver.internal;

import dev.hookline.receiver.ReplayGuard;
import dev.hookline.receiver.ReplayGuard.State;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ReplayGuard} in one JVM's memory, bounded in size. Each id's entry lives until its own
 * {@code until} (inclusive), read from the injected clock (so tests move time instead of sleeping).
 *
 * <p>Entries are kept in the order they were last written ({@link #begin} of a new id or one that
 * extends a processed entry, {@link #complete}); a replay, which only reads, does not move its
 * entry. When a new id finds the guard full, it first drops the expired entries at the head of that
 * order, and if the guard is still full, forgets the entry written longest ago: with the verifiers'
 * expiries (each entry lives about as long as the ones written beside it) that is the one closest
 * to its expiry, never the newest. Each id forgotten before its expiry is counted ({@link
 * #evictedEarly}) and logged: at WARN the first time and then at most once a minute with the count
 * since the last warning, at DEBUG otherwise. An expired entry behind a live one is dropped when it
 * reaches the head or when its id is seen again, and counts towards the size until then.
 *
 * <p>Thread-safe: every method holds one lock for a few map operations (O(1) each, amortised), so
 * {@link #begin} is atomic.
 */
public final class InMemoryReplayGuard implements ReplayGuard {
  private static final Logger LOG = LoggerFactory.getLogger(InMemoryReplayGuard.class);
  private static final Duration WARN_EVERY = Duration.ofMinutes(1);

  private final Clock clock;
  private final long maximumSize;
  private final ReentrantLock lock = new ReentrantLock();

  /** Insertion-ordered: the head was written longest ago. Guarded by {@link #lock}. */
  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();

  private long evictedEarly; // guarded by lock
  private long evictedSinceWarning; // guarded by lock
  private Instant nextWarning = Instant.MIN; // guarded by lock

  /**
   * Creates the guard.
   *
   * @param clock the time source
   * @param maximumSize the most ids held, at least 1
   */
  public InMemoryReplayGuard(Clock clock, long maximumSize) {
    this.clock = Objects.requireNonNull(clock, "clock");
    if (maximumSize < 1) {
      throw new IllegalArgumentException(
          "maximumSize must be at least 1 (got " + maximumSize + ")");
    }
    this.maximumSize = maximumSize;
  }

  @Override
  public State begin(String webhookId, Instant until) {
    Objects.requireNonNull(webhookId, "webhookId");
    Objects.requireNonNull(until, "until");
    Instant now = clock.instant();
    Evicted evicted;
    State found;
    lock.lock();
    try {
      Entry live = entries.get(webhookId);
      if (live == null || live.expiredAt(now)) {
        found = State.NEW;
        evicted = write(webhookId, new Entry(State.IN_PROGRESS, until), now);
      } else if (live.state() == State.DONE && live.until().isBefore(until)) {
        // Acknowledged now: kept until this request's window ends too, or a copy of it could be
        // replayed once the entry ended. Never shortened.
        found = State.DONE;
        evicted = write(webhookId, new Entry(State.DONE, until), now);
      } else {
        return live.state();
      }
    } finally {
      lock.unlock();
    }
    log(evicted);
    return found;
  }

  @Override
  public void complete(String webhookId, Instant until) {
    Objects.requireNonNull(webhookId, "webhookId");
    Objects.requireNonNull(until, "until");
    Instant now = clock.instant();
    Evicted evicted;
    lock.lock();
    try {
      evicted = write(webhookId, new Entry(State.DONE, until), now);
    } finally {
      lock.unlock();
    }
    log(evicted);
  }

  @Override
  public void abandon(String webhookId) {
    Objects.requireNonNull(webhookId, "webhookId");
    lock.lock();
    try {
      entries.remove(webhookId);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void abandon(String webhookId, Instant until) {
    Objects.requireNonNull(webhookId, "webhookId");
    Objects.requireNonNull(until, "until");
    lock.lock();
    try {
      // Only the entry this processor began: a retry's, begun after it expired, stays.
      Entry e = entries.get(webhookId);
      if (e != null && e.state() == State.IN_PROGRESS && e.until().equals(until)) {
        entries.remove(webhookId);
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Returns how many ids are held after the expired entries at the head have been dropped.
   *
   * @return the number of remembered ids
   */
  public long size() {
    Instant now = clock.instant();
    lock.lock();
    try {
      dropExpiredHead(now);
      return entries.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Returns how many ids were forgotten before their expiry because the guard was full.
   *
   * @return the count since the guard was created
   */
  public long evictedEarly() {
    lock.lock();
    try {
      return evictedEarly;
    } finally {
      lock.unlock();
    }
  }

  /** Writes an entry at the tail, making room first. Caller holds the lock. */
  private Evicted write(String webhookId, Entry entry, Instant now) {
    // Remove first: a rewritten id moves to the tail, the youngest.
    entries.remove(webhookId);
    dropExpiredHead(now);
    long count = 0;
    Iterator<Entry> oldest = entries.values().iterator();
    while (entries.size() >= maximumSize && oldest.hasNext()) {
      oldest.next();
      oldest.remove();
      count++;
    }
    entries.put(webhookId, entry);
    if (count == 0) {
      return Evicted.NONE;
    }
    evictedEarly += count;
    evictedSinceWarning += count;
    if (now.isBefore(nextWarning)) {
      return new Evicted(count, 0, evictedEarly);
    }
    Evicted warn = new Evicted(count, evictedSinceWarning, evictedEarly);
    evictedSinceWarning = 0;
    nextWarning = now.plus(WARN_EVERY);
    return warn;
  }

  private void dropExpiredHead(Instant now) {
    Iterator<Entry> oldest = entries.values().iterator();
    while (oldest.hasNext() && oldest.next().expiredAt(now)) {
      oldest.remove();
    }
  }

  /** Logs outside the lock; no id, body or secret, only counts. */
  private void log(Evicted evicted) {
    if (evicted.sinceWarning() > 0) {
      LOG.warn(
          "Replay guard is full ({} ids): {} id(s) forgotten before their expiry since the last"
              + " warning ({} in all), the oldest first; a replay of a forgotten id within its"
              + " timestamp tolerance is accepted and a retry of it processed again: raise the"
              + " replay guard size above the notifications received in the time entries live",
          maximumSize,
          evicted.sinceWarning(),
          evicted.total());
    } else if (evicted.count() > 0) {
      LOG.debug(
          "Replay guard is full ({} ids): {} id(s) forgotten early ({} in all)",
          maximumSize,
          evicted.count(),
          evicted.total());
    }
  }

  @Override
  public String toString() {
    return "InMemoryReplayGuard[maximumSize=" + maximumSize + "]";
  }

  /**
   * What one write evicted early: {@code count} by this write, {@code sinceWarning} when a warning
   * is due (else 0), {@code total} since the guard was created.
   */
  private record Evicted(long count, long sinceWarning, long total) {
    static final Evicted NONE = new Evicted(0, 0, 0);
  }

  /** An id's state and when it expires (it is live at {@code until} itself). */
  private record Entry(State state, Instant until) {
    boolean expiredAt(Instant now) {
      return now.isAfter(until);
    }
  }
}
