package dev.hookline.receiver.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.hookline.receiver.ReplayGuard;
import dev.hookline.receiver.ReplayGuard.State;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ReplayGuard} on a Caffeine cache: each id's entry (its state) expires at its own {@code
 * until}, read from the injected clock (so tests move time instead of sleeping). Thread-safe;
 * {@link #begin} is atomic through the cache's {@code compute}, which sees an expired entry as
 * absent.
 */
public final class CaffeineReplayGuard implements ReplayGuard {
  private static final Logger LOG = LoggerFactory.getLogger(CaffeineReplayGuard.class);

  private final Clock clock;
  private final long maximumSize;
  private final Cache<String, Entry> seen;
  private final AtomicBoolean warnedFull = new AtomicBoolean();

  /**
   * Creates the guard.
   *
   * @param clock the time source
   * @param maximumSize the most ids held
   */
  public CaffeineReplayGuard(Clock clock, long maximumSize) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.maximumSize = maximumSize;
    this.seen =
        Caffeine.newBuilder()
            .maximumSize(maximumSize)
            .ticker(this::nanos)
            // Maintenance on the calling thread: deterministic, and no pool threads to own.
            .executor(Runnable::run)
            .expireAfter(new UntilExpiry())
            .removalListener(
                (id, until, cause) -> {
                  if (cause == RemovalCause.SIZE) {
                    onEvictedEarly();
                  }
                })
            .build();
  }

  @Override
  public State begin(String webhookId, Instant until) {
    Objects.requireNonNull(webhookId, "webhookId");
    Objects.requireNonNull(until, "until");
    AtomicBoolean created = new AtomicBoolean();
    Entry live =
        seen.asMap()
            .computeIfAbsent(
                webhookId,
                id -> {
                  // Runs only when the id has no live entry; the map holds others off meanwhile.
                  created.set(true);
                  return new Entry(State.IN_PROGRESS, until);
                });
    return created.get() ? State.NEW : live.state();
  }

  @Override
  public void complete(String webhookId, Instant until) {
    Objects.requireNonNull(webhookId, "webhookId");
    Objects.requireNonNull(until, "until");
    seen.put(webhookId, new Entry(State.DONE, until));
  }

  @Override
  public void abandon(String webhookId) {
    seen.invalidate(Objects.requireNonNull(webhookId, "webhookId"));
  }

  @Override
  public void abandon(String webhookId, Instant until) {
    Objects.requireNonNull(webhookId, "webhookId");
    Objects.requireNonNull(until, "until");
    // Only the entry this processor began: a retry's, begun after it expired, stays.
    seen.asMap()
        .computeIfPresent(
            webhookId,
            (id, e) -> e.state() == State.IN_PROGRESS && e.until().equals(until) ? null : e);
  }

  /**
   * Returns how many ids are held after pending maintenance (expiry, eviction) has run.
   *
   * @return the number of remembered ids
   */
  public long size() {
    seen.cleanUp();
    return seen.estimatedSize();
  }

  private void onEvictedEarly() {
    if (warnedFull.compareAndSet(false, true)) {
      LOG.warn(
          "Replay guard is full ({} ids): ids are being forgotten before their timestamps expire,"
              + " so replays of those could pass; raise the replay guard size",
          maximumSize);
    } else {
      LOG.debug("Replay guard is full ({} ids): evicted an id early", maximumSize);
    }
  }

  private long nanos() {
    return toNanos(clock.instant());
  }

  static long toNanos(Instant instant) {
    return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
  }

  @Override
  public String toString() {
    return "CaffeineReplayGuard[maximumSize=" + maximumSize + "]";
  }

  /** An id's state and when it expires. */
  private record Entry(State state, Instant until) {}

  /** Each entry lives until its own {@code until} (inclusive). */
  private static final class UntilExpiry implements Expiry<String, Entry> {
    @Override
    public long expireAfterCreate(String id, Entry entry, long currentTime) {
      // +1 ns: the verifier still accepts a request whose timestamp is exactly at the edge.
      return Math.max(0L, toNanos(entry.until()) - currentTime) + 1;
    }

    @Override
    public long expireAfterUpdate(String id, Entry entry, long currentTime, long currentDuration) {
      return expireAfterCreate(id, entry, currentTime);
    }

    @Override
    public long expireAfterRead(String id, Entry entry, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }
}
