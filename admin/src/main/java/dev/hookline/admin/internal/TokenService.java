package dev.hookline.admin.internal;

import dev.hookline.Secret;
import dev.hookline.admin.IssuedToken;
import dev.hookline.admin.Principal;
import dev.hookline.admin.Scope;
import dev.hookline.admin.spi.AdminStore;
import dev.hookline.admin.spi.StoredToken;
import dev.hookline.internal.Printable;
import dev.hookline.internal.WebhookRules;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Makes and checks API tokens: {@code hkl_} and 32 random bytes (base64url), of which only the
 * SHA-256 is stored. Thread-safe.
 */
public final class TokenService {
  /** The prefix that lets secret scanners recognise a leaked token. */
  public static final String PREFIX = "hkl_";

  private static final int TOKEN_BYTES = 32;
  private static final Pattern TOKEN = Pattern.compile("hkl_[A-Za-z0-9_-]{43}");
  private final AdminStore store;
  private final Clock clock;
  private final SecureRandom random;
  private final int maxTokensPerTenant;

  TokenService(AdminStore store, Clock clock, SecureRandom random, int maxTokensPerTenant) {
    this.store = store;
    this.clock = clock;
    this.random = random;
    this.maxTokensPerTenant = maxTokensPerTenant;
  }

  /** Makes a token; see {@code AdminApi.issueToken}. */
  public IssuedToken issue(
      String name, Optional<String> tenant, Set<Scope> scopes, Optional<Instant> expiresAt) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(scopes, "scopes");
    Objects.requireNonNull(expiresAt, "expiresAt");
    if (name.isBlank() || name.length() > 200) {
      throw new IllegalArgumentException("token name must be 1 to 200 characters");
    }
    if (name.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException("token name contains a control character");
    }
    if (Printable.hasUnpairedSurrogate(name)) {
      throw new IllegalArgumentException(
          "token name contains half of a surrogate pair (not valid Unicode)");
    }
    if (tenant.isPresent() && !isTenant(tenant.get())) {
      throw new IllegalArgumentException(
          "tenant is malformed: use 1 to 128 characters A-Z a-z 0-9 . _ : @ -");
    }
    if (scopes.isEmpty()) {
      throw new IllegalArgumentException("a token needs at least one scope");
    }
    byte[] bytes = new byte[TOKEN_BYTES];
    random.nextBytes(bytes);
    String value = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    byte[] idBytes = new byte[12];
    random.nextBytes(idBytes);
    String id = "tok_" + HexFormat.of().formatHex(idBytes);
    StoredToken token =
        new StoredToken(
            id,
            name,
            tenant,
            scopes,
            hash(value),
            clock.instant(),
            expiresAt.map(TokenService::storedExpiry),
            Optional.empty());
    if (!store.insertToken(token, maxTokensPerTenant)) {
      throw new TokenLimitException(tenant.orElseThrow(), maxTokensPerTenant);
    }
    return new IssuedToken(id, Secret.of(value));
  }

  /**
   * An expiry as every store keeps it: to the microsecond, finer digits dropped. PostgreSQL keeps
   * microseconds, and its driver rounded finer digits to the nearest: a token then lived up to half
   * a microsecond past its expiry, the end of the range ({@code 9999-12-31T23:59:59.999999999Z})
   * became the year 10000, and a maker whose expiry was rounded down refused a child the same
   * expiry. Dropping them never extends a token.
   */
  static Instant storedExpiry(Instant expiresAt) {
    return expiresAt.truncatedTo(ChronoUnit.MICROS);
  }

  /** Revokes a token. */
  public boolean revoke(String id) {
    return store.revokeToken(id, clock.instant());
  }

  /**
   * Checks a bearer token: well formed, known, not revoked, not expired.
   *
   * @param presented the value after {@code Bearer }
   * @return the principal, or empty
   */
  Optional<Principal> authenticate(String presented) {
    if (!TOKEN.matcher(presented).matches()) {
      return Optional.empty();
    }
    String hash = hash(presented);
    Optional<StoredToken> found = store.findTokenByHash(hash);
    // The store looked the hash up; compare it again in constant time, so that no store's
    // lookup (an index, a prefix match) decides alone.
    if (found.isEmpty()
        || !MessageDigest.isEqual(
            found.get().hash().getBytes(StandardCharsets.US_ASCII),
            hash.getBytes(StandardCharsets.US_ASCII))
        || !found.get().usableAt(clock.instant())) {
      return Optional.empty();
    }
    StoredToken t = found.get();
    return Optional.of(
        new Principal(
            "token:" + t.id() + " (" + t.name() + ")",
            Optional.of(t.id()),
            t.tenant(),
            t.scopes()));
  }

  static boolean isTenant(String tenant) {
    return WebhookRules.isTenant(tenant); // one rule for webhooks, tokens and principals
  }

  static String hash(String value) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
