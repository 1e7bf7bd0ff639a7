package dev.hookline.admin.internal;

/**
 * A token was not made because its tenant already has as many live tokens (neither revoked nor
 * expired) as it may ({@code AdminApi.Builder.maxTokensPerTenant}). Nothing was written.
 */
public final class TokenLimitException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  TokenLimitException(String tenant, int limit) {
    super(
        "Tenant '"
            + tenant
            + "' already has "
            + limit
            + " live tokens (neither revoked nor expired), the most a tenant may have"
            + " (maxTokensPerTenant); revoke one (DELETE /tokens/{id}) first");
  }
}
