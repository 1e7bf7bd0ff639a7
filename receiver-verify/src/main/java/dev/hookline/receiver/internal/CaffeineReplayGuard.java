package dev.hookline.receiver.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.hookline.receiver.ReplayGuard;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ReplayGuard} on a Caffeine cache: each id expires at its own {@code rememberUntil}, read
 * from the injected clock (so tests move time instead of sleeping). Thread-safe; {@link #markSeen}
 * is atomic through the cache's {@code putIfAbsent}.
 */
public final class CaffeineReplayGuard implements ReplayGuard {
  private static final Logger LOG = LoggerFactory.getLogger(CaffeineReplayGuard.class);

  private final Clock clock;
  private final long maximumSize;
  private final Cache<String, Instant> seen;
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
  public boolean markSeen(String webhookId, Instant rememberUntil) {
    Objects.requireNonNull(webhookId, "webhookId");
    Objects.requireNonNull(rememberUntil, "rememberUntil");
    return seen.asMap().putIfAbsent(webhookId, rememberUntil) == null;
  }

  @Override
  public void forget(String webhookId) {
    seen.invalidate(Objects.requireNonNull(webhookId, "webhookId"));
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

  /** Each entry lives until its own {@code rememberUntil} (inclusive). */
  private static final class UntilExpiry implements Expiry<String, Instant> {
    @Override
    public long expireAfterCreate(String id, Instant until, long currentTime) {
      // +1 ns: the verifier still accepts a request whose timestamp is exactly at the edge.
      return Math.max(0L, toNanos(until) - currentTime) + 1;
    }

    @Override
    public long expireAfterUpdate(
        String id, Instant until, long currentTime, long currentDuration) {
      return expireAfterCreate(id, until, currentTime);
    }

    @Override
    public long expireAfterRead(String id, Instant until, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }
}
