package dev.hookline.admin.spi;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where the management API keeps its tokens (hashes only) and its audit log. Implementations: the
 * in-memory {@code InMemoryAdminStore} and the PostgreSQL {@code PostgresAdminStore}.
 *
 * <p>Implementations must be thread-safe, and report failures as {@link AdminStoreException}.
 */
public interface AdminStore {
  /**
   * Stores a new token as given, checking no limit and deleting nothing.
   *
   * @param token the token's metadata and hash
   * @throws AdminStoreException if a token with that id or hash exists ({@code DUPLICATE})
   */
  void insertToken(StoredToken token);

  /**
   * Stores a new token, unless its tenant already has {@code maxLivePerTenant} live tokens or more:
   * tokens of that tenant that are neither revoked nor expired at the new token's {@link
   * StoredToken#createdAt()}. A token without a tenant (a host-level token) is always stored. The
   * built-in stores count and insert in one atomic step, so concurrent creations, in any number of
   * processes, never take a tenant past the limit.
   *
   * <p>Only live tokens are limited, so the built-in stores also bound the dead ones: in the same
   * atomic step as a successful insert they delete the dead tokens (revoked, or expired at the new
   * token's {@code createdAt}) of its tenant, or of the host for a host-level token, past the
   * newest 100 by when they died (revocation or expiry, whichever came first), leaving the new
   * token. A deleted token is found neither by id nor by hash, so it still fails authentication;
   * the audit log keeps its entries. A refused insert deletes nothing.
   *
   * <p>The default counts with {@link #listTokens} and then calls {@link
   * #insertToken(StoredToken)}: it is <b>not atomic</b>, so concurrent creations may pass the limit
   * by their number, and it deletes no dead token (this interface has no deletion), so such a store
   * keeps them all. A store that can do both atomically overrides it.
   *
   * @param token the token's metadata and hash
   * @param maxLivePerTenant the most live tokens one tenant may have, at least 1
   * @return true if stored, false if its tenant is at the limit (nothing was written)
   * @throws IllegalArgumentException if {@code maxLivePerTenant} is less than 1
   * @throws AdminStoreException if a token with that id or hash exists ({@code DUPLICATE})
   */
  default boolean insertToken(StoredToken token, int maxLivePerTenant) {
    Objects.requireNonNull(token, "token");
    if (maxLivePerTenant < 1) {
      throw new IllegalArgumentException(
          "maxLivePerTenant must be at least 1, was " + maxLivePerTenant);
    }
    if (token.tenant().isPresent()) {
      long live = 0;
      Optional<String> after = Optional.empty();
      while (true) {
        List<StoredToken> page = listTokens(token.tenant(), after, 500);
        for (StoredToken t : page) {
          if (t.usableAt(token.createdAt())) {
            live++;
          }
        }
        if (live >= maxLivePerTenant) {
          return false;
        }
        if (page.size() < 500) {
          break;
        }
        after = Optional.of(page.get(page.size() - 1).id());
      }
    }
    insertToken(token);
    return true;
  }

  /**
   * Finds a token by the hash of its value.
   *
   * @param hash the lower-case hex SHA-256 of the value
   * @return the token, or empty
   */
  Optional<StoredToken> findTokenByHash(String hash);

  /**
   * Finds a token by id.
   *
   * @param id the token's id
   * @return the token, or empty
   */
  Optional<StoredToken> findToken(String id);

  /**
   * Lists tokens in id order, after a cursor.
   *
   * @param tenant only tokens bound to this tenant; empty for every token
   * @param afterId only tokens whose id sorts after this one; empty to start at the first
   * @param limit most tokens returned
   * @return the tokens
   */
  List<StoredToken> listTokens(Optional<String> tenant, Optional<String> afterId, int limit);

  /**
   * Revokes a token: it stops working at once.
   *
   * @param id the token's id
   * @param at the time of revocation
   * @return true if a token that was not revoked is now revoked
   */
  boolean revokeToken(String id, Instant at);

  /**
   * Appends an entry to the audit log.
   *
   * @param entry the entry; its sequence is ignored
   * @return the entry with the sequence the store gave it
   */
  AuditEntry appendAudit(AuditEntry entry);

  /**
   * Lists the audit log, newest first.
   *
   * @param tenant only entries about this tenant's resources; empty for every entry
   * @param beforeSequence only entries older than this sequence; empty to start at the newest
   * @param limit most entries returned
   * @return the entries
   */
  List<AuditEntry> listAudit(Optional<String> tenant, OptionalLong beforeSequence, int limit);
}
