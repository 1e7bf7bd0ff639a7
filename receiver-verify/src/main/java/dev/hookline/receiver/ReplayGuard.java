package dev.hookline.receiver;

import dev.hookline.receiver.internal.CaffeineReplayGuard;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;

/**
 * Remembers the {@code webhook-id}s of accepted notifications, so that a captured request cannot be
 * played again while its timestamp is still fresh. {@link WebhookVerifier} asks it only after the
 * API key and signature have been checked, so unauthenticated requests cannot fill it.
 *
 * <p>The default, {@link #inMemory}, guards one JVM. A listener running on several instances behind
 * a load balancer plugs in a shared implementation (e.g. a key-value store's "set if absent, with
 * expiry").
 *
 * <p>Implementations must be thread-safe, and {@link #markSeen} must be atomic: of concurrent calls
 * with the same id, exactly one may return {@code true}.
 */
public interface ReplayGuard {

  /**
   * Records an id if it was not already recorded.
   *
   * @param webhookId the {@code webhook-id} of an authenticated request
   * @param rememberUntil the id must be remembered at least until this time; after it the verifier
   *     rejects the request as too old anyway
   * @return {@code true} if the id was not seen (it is now recorded), {@code false} if it is a
   *     replay
   */
  boolean markSeen(String webhookId, Instant rememberUntil);

  /**
   * Forgets an id, so that the sender's retry of the same notification is accepted. Called when the
   * application failed to process a notification it had accepted.
   *
   * @param webhookId the id to forget; unknown ids are ignored
   */
  void forget(String webhookId);

  /**
   * The default guard: an in-memory Caffeine cache whose entries expire at their {@code
   * rememberUntil}, bounded in size. When more ids must be remembered than {@code maximumSize}
   * (more accepted notifications per twice the tolerance window than that), some are evicted early
   * and a warning is logged: size it above your peak rate times twice the tolerance.
   *
   * @param clock the time source; use the verifier's clock
   * @param maximumSize the most ids held; at least 1
   * @return a thread-safe guard for one JVM
   * @throws IllegalArgumentException if {@code maximumSize} is below 1
   */
  static ReplayGuard inMemory(Clock clock, long maximumSize) {
    Objects.requireNonNull(clock, "clock");
    if (maximumSize < 1) {
      throw new IllegalArgumentException(
          "maximumSize must be at least 1 (got " + maximumSize + ")");
    }
    return new CaffeineReplayGuard(clock, maximumSize);
  }
}
