package dev.hookline.admin.store;

import dev.hookline.admin.spi.AdminStore;
import dev.hookline.admin.spi.AdminStoreException;
import dev.hookline.admin.spi.AuditEntry;
import dev.hookline.admin.spi.StoredToken;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * An {@link AdminStore} in memory: for tests, development and single-instance hosts that accept
 * losing tokens and the audit log on restart. Keeps the newest 100,000 audit entries, and per
 * tenant (and for the host) the newest 100 revoked or expired tokens (see {@link
 * AdminStore#insertToken(StoredToken, int)}).
 *
 * <p>Thread-safe (every method synchronizes on the store).
 */
public final class InMemoryAdminStore implements AdminStore {
  private final TreeMap<String, StoredToken> tokens = new TreeMap<>();

  /**
   * Token ids by hash: a token is looked up by its hash on every request, under this store's lock,
   * and a tenant may hold up to its live limit and {@link DeadTokens#KEPT} dead tokens, so a scan
   * of them all would slow every tenant.
   */
  private final Map<String, String> idsByHash = new HashMap<>();

  /**
   * Most audit entries kept: any tenant token that may write webhooks adds entries at will (a
   * create-and-delete loop), so all of them would grow the heap without bound. Past it the oldest
   * tenth is dropped at once.
   */
  static final int MAX_AUDIT_ENTRIES = 100_000;

  /** The kept entries, oldest first; the first has sequence {@code dropped + 1}. */
  private final List<AuditEntry> audit = new ArrayList<>();

  private long dropped;

  /** Creates an empty store. */
  public InMemoryAdminStore() {}

  @Override
  public synchronized void insertToken(StoredToken token) {
    Objects.requireNonNull(token, "token");
    if (tokens.containsKey(token.id()) || idsByHash.containsKey(token.hash())) {
      throw new AdminStoreException(
          AdminStoreException.Reason.DUPLICATE,
          "a token with id " + token.id() + " or its hash exists");
    }
    tokens.put(token.id(), token);
    idsByHash.put(token.hash(), token.id());
  }

  /**
   * {@inheritDoc}
   *
   * <p>Atomic: the count, the insert and the deletion of the tenant's (or the host's) dead tokens
   * past the newest 100 hold this store's lock.
   */
  @Override
  public synchronized boolean insertToken(StoredToken token, int maxLivePerTenant) {
    Objects.requireNonNull(token, "token");
    if (maxLivePerTenant < 1) {
      throw new IllegalArgumentException(
          "maxLivePerTenant must be at least 1, was " + maxLivePerTenant);
    }
    long live = 0;
    List<StoredToken> dead = new ArrayList<>();
    for (StoredToken t : tokens.values()) {
      if (t.tenant().equals(token.tenant())) {
        if (t.usableAt(token.createdAt())) {
          live++;
        } else {
          dead.add(t);
        }
      }
    }
    if (token.tenant().isPresent() && live >= maxLivePerTenant) {
      return false;
    }
    insertToken(token); // a duplicate throws here, before anything is deleted
    if (dead.size() > DeadTokens.KEPT) {
      dead.sort(DeadTokens.NEWEST_FIRST);
      for (StoredToken t : dead.subList(DeadTokens.KEPT, dead.size())) {
        tokens.remove(t.id());
        idsByHash.remove(t.hash());
      }
    }
    return true;
  }

  @Override
  public synchronized Optional<StoredToken> findTokenByHash(String hash) {
    String id = idsByHash.get(Objects.requireNonNull(hash, "hash"));
    return id == null ? Optional.empty() : Optional.ofNullable(tokens.get(id));
  }

  @Override
  public synchronized Optional<StoredToken> findToken(String id) {
    return Optional.ofNullable(tokens.get(Objects.requireNonNull(id, "id")));
  }

  @Override
  public synchronized List<StoredToken> listTokens(
      Optional<String> tenant, Optional<String> afterId, int limit) {
    List<StoredToken> out = new ArrayList<>();
    for (StoredToken t :
        afterId.isPresent() ? tokens.tailMap(afterId.get(), false).values() : tokens.values()) {
      if (out.size() >= limit) {
        break;
      }
      if (tenant.isEmpty() || t.tenant().equals(tenant)) {
        out.add(t);
      }
    }
    return out;
  }

  @Override
  public synchronized boolean revokeToken(String id, Instant at) {
    StoredToken t = tokens.get(Objects.requireNonNull(id, "id"));
    if (t == null || t.revokedAt().isPresent()) {
      return false;
    }
    tokens.put(id, t.revoked(at));
    return true;
  }

  @Override
  public synchronized AuditEntry appendAudit(AuditEntry entry) {
    AuditEntry stored = entry.withSequence(dropped + audit.size() + 1L);
    audit.add(stored);
    if (audit.size() > MAX_AUDIT_ENTRIES) {
      int drop = audit.size() - MAX_AUDIT_ENTRIES + MAX_AUDIT_ENTRIES / 10;
      audit.subList(0, drop).clear();
      dropped += drop;
    }
    return stored;
  }

  @Override
  public synchronized List<AuditEntry> listAudit(
      Optional<String> tenant, OptionalLong beforeSequence, int limit) {
    List<AuditEntry> out = new ArrayList<>();
    // entry i has sequence dropped + i + 1: those before sequence b end at index b - 1 - dropped
    int start =
        beforeSequence.isPresent()
            ? (int) Math.max(0, Math.min(beforeSequence.getAsLong() - 1 - dropped, audit.size()))
            : audit.size();
    for (int i = start - 1; i >= 0 && out.size() < limit; i--) {
      AuditEntry e = audit.get(i);
      if (tenant.isEmpty() || e.tenant().equals(tenant)) {
        out.add(e);
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return "InMemoryAdminStore";
  }
}
