package dev.hookline;

/**
 * A webhook was not created because its tenant already has as many webhooks as it may ({@code
 * WebhookRegistry.Builder.maxWebhooksPerTenant}). Nothing was written: delete one of the tenant's
 * webhooks first, or raise the limit.
 *
 * <p>Immutable and thread-safe.
 */
public final class WebhookLimitException extends HooklineException {
  private static final long serialVersionUID = 1L;

  private final String tenant;
  private final int limit;

  /**
   * Creates the exception.
   *
   * @param tenant the tenant at its limit
   * @param limit how many webhooks a tenant may have
   */
  public WebhookLimitException(String tenant, int limit) {
    super(
        "Tenant '"
            + tenant
            + "' already has "
            + limit
            + " webhooks, the most a tenant may have; delete one first");
    this.tenant = tenant;
    this.limit = limit;
  }

  /**
   * Returns the tenant at its limit.
   *
   * @return the tenant
   */
  public String tenant() {
    return tenant;
  }

  /**
   * Returns how many webhooks a tenant may have.
   *
   * @return the limit
   */
  public int limit() {
    return limit;
  }
}
