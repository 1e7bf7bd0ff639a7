package dev.hookline.admin.spi;

import dev.hookline.admin.Scope;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A token as stored: its metadata and the SHA-256 hash of its value, never the value.
 *
 * <p>Immutable and thread-safe.
 *
 * @param id the token's id
 * @param name what it is for, as people named it
 * @param tenant the tenant it is bound to; empty for a host-level token
 * @param scopes what it may do
 * @param hash the lower-case hex SHA-256 of the token's value
 * @param createdAt when it was made
 * @param expiresAt when it stops working, if ever
 * @param revokedAt when it was revoked, if it was
 */
public record StoredToken(
    String id,
    String name,
    Optional<String> tenant,
    Set<Scope> scopes,
    String hash,
    Instant createdAt,
    Optional<Instant> expiresAt,
    Optional<Instant> revokedAt) {

  /** Checks the components and copies the scopes. */
  public StoredToken {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(tenant, "tenant");
    scopes = scopes.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(scopes));
    Objects.requireNonNull(hash, "hash");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(revokedAt, "revokedAt");
  }

  /**
   * Returns whether the token works at {@code now}: not revoked and not expired.
   *
   * @param now the time
   * @return true if usable
   */
  public boolean usableAt(Instant now) {
    return revokedAt.isEmpty() && expiresAt.map(now::isBefore).orElse(true);
  }

  /**
   * Returns this token revoked at {@code at}.
   *
   * @param at the time of revocation
   * @return the revoked token
   */
  public StoredToken revoked(Instant at) {
    return new StoredToken(id, name, tenant, scopes, hash, createdAt, expiresAt, Optional.of(at));
  }

  @Override
  public String toString() {
    return "StoredToken[id="
        + id
        + ", tenant="
        + tenant.orElse("(host)")
        + ", scopes="
        + scopes
        + "]";
  }
}
