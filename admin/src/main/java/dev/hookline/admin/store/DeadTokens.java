package dev.hookline.admin.store;

import dev.hookline.admin.spi.StoredToken;
import java.time.Instant;
import java.util.Comparator;

/**
 * How many revoked and expired tokens the built-in stores keep. Only live tokens are limited
 * ({@code maxLivePerTenant}), so a tenant's token that may make tokens could otherwise grow the
 * store without bound by making and revoking in a loop. Inserting a token deletes its tenant's (or,
 * for a host-level token, the host's) dead tokens past the newest {@link #KEPT}.
 */
final class DeadTokens {
  /** Dead tokens kept per tenant, and for host-level tokens: the newest, by when they died. */
  static final int KEPT = 100;

  /** Newest death first; ties by id, in code-point order (as PostgreSQL's {@code COLLATE "C"}). */
  static final Comparator<StoredToken> NEWEST_FIRST =
      Comparator.comparing(DeadTokens::diedAt).thenComparing(StoredToken::id).reversed();

  private DeadTokens() {}

  /**
   * When a dead token stopped working: its revocation or its expiry, whichever came first.
   *
   * @param t a token that is revoked or expired
   * @return the earlier of the two
   */
  static Instant diedAt(StoredToken t) {
    Instant revoked = t.revokedAt().orElse(Instant.MAX);
    Instant expired = t.expiresAt().orElse(Instant.MAX);
    return revoked.isBefore(expired) ? revoked : expired;
  }
}
