package dev.hookline;

import dev.hookline.internal.WebhookRules;
import dev.hookline.spi.Store;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One tenant's webhooks, from {@link WebhookRegistry#forTenant}: the reads that code serving a
 * tenant needs. Another tenant's webhook, and the host's own (without a tenant), look exactly like
 * a webhook that does not exist: the same empty result, the same {@link WebhookNotFoundException}.
 *
 * <p>Changes go through the {@link WebhookRegistry} by id, after {@link #require} has shown the
 * webhook is the tenant's: a webhook's tenant never changes, so the check stays true.
 *
 * <p>Immutable and thread-safe.
 */
public final class TenantWebhooks {
  private final Store store;
  private final String tenant;

  TenantWebhooks(Store store, String tenant) {
    Objects.requireNonNull(tenant, "tenant");
    if (!WebhookRules.isTenant(tenant)) {
      throw new IllegalArgumentException(
          "tenant is malformed: use 1 to 128 characters A-Z a-z 0-9 . _ : @ -");
    }
    this.store = store;
    this.tenant = tenant;
  }

  /**
   * Returns the tenant this view is scoped to.
   *
   * @return the tenant
   */
  public String tenant() {
    return tenant;
  }

  /**
   * Returns whether a webhook belongs to this tenant.
   *
   * @param webhook the webhook
   * @return true if its tenant is this view's
   */
  public boolean owns(Webhook webhook) {
    return webhook.tenant().filter(tenant::equals).isPresent();
  }

  /**
   * Finds one of the tenant's webhooks.
   *
   * @param id the webhook id
   * @return the webhook, or empty if none has that id or it belongs to someone else
   */
  public Optional<Webhook> get(String id) {
    return store.findWebhook(Objects.requireNonNull(id, "id")).filter(this::owns);
  }

  /**
   * Returns one of the tenant's webhooks, which must exist.
   *
   * @param id the webhook id
   * @return the webhook
   * @throws WebhookNotFoundException if none has that id or it belongs to someone else (the same
   *     message either way)
   */
  public Webhook require(String id) {
    return get(id).orElseThrow(() -> new WebhookNotFoundException(id));
  }

  /**
   * Lists the tenant's webhooks, oldest first.
   *
   * @return the webhooks
   */
  public List<Webhook> list() {
    return store.listWebhooks(tenant);
  }

  @Override
  public String toString() {
    return "TenantWebhooks[tenant=" + tenant + "]";
  }
}
