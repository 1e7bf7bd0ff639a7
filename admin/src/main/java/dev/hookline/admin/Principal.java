package dev.hookline.admin;

import dev.hookline.internal.WebhookRules;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Who made a request: a name for the audit log, the token that authenticated it (if a token did),
 * the tenant it is bound to (empty for the host), and what it may do.
 *
 * <p>Immutable and thread-safe.
 *
 * @param name who it is, as the audit log shows it (never a secret)
 * @param tokenId the id of the token that authenticated the request, if a token did
 * @param tenant the tenant the principal acts for, 1 to 128 characters {@code A-Z a-z 0-9 . _ : @
 *     -} as a webhook's; empty for a host-level principal, which sees every tenant's webhooks and
 *     the host's own
 * @param scopes what it may do
 */
public record Principal(
    String name, Optional<String> tokenId, Optional<String> tenant, Set<Scope> scopes) {

  /** Checks the components and copies the scopes. */
  public Principal {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(tokenId, "tokenId");
    Objects.requireNonNull(tenant, "tenant");
    // Checked here, where a host's Authenticator makes it: a principal no tenant could match
    // would otherwise fail every request it makes with a 500.
    if (tenant.isPresent() && !WebhookRules.isTenant(tenant.get())) {
      throw new IllegalArgumentException(
          "tenant is malformed: use 1 to 128 characters A-Z a-z 0-9 . _ : @ -");
    }
    scopes = scopes.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(scopes));
  }

  /**
   * Returns whether the principal holds a scope.
   *
   * @param scope the scope
   * @return true if it does
   */
  public boolean has(Scope scope) {
    return scopes.contains(scope);
  }
}
