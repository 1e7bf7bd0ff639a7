package dev.hookline.admin.internal;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The verification handshakes in flight, counted against {@link VerificationLimits}. {@link
 * #acquire} takes a place or refuses with a 429 problem; {@link Slot#release} gives it back, in a
 * {@code finally}, however the handshake ended. Thread-safe.
 */
final class VerificationSlots {
  private final VerificationLimits limits;
  private final Set<String> webhooks = new HashSet<>();

  /** Handshakes per tenant; the host's own webhooks under "", which no tenant is named. */
  private final Map<String, Integer> tenants = new HashMap<>();

  private int total;

  VerificationSlots(VerificationLimits limits) {
    this.limits = limits;
  }

  /**
   * Takes a place for a handshake of the webhook.
   *
   * @param webhookId the webhook
   * @param tenant the webhook's tenant, empty for the host's own
   * @return the place, to release when the handshake has ended
   * @throws Problem 429 if the webhook, its tenant or the API is at its limit
   */
  synchronized Slot acquire(String webhookId, Optional<String> tenant) {
    if (webhooks.contains(webhookId)) {
      throw busy("a verification of this webhook is running already; try again when it has ended");
    }
    String key = tenant.orElse("");
    if (tenants.getOrDefault(key, 0) >= limits.perTenant()) {
      throw busy(
          (tenant.isPresent() ? "this tenant's webhooks have " : "the host's webhooks have ")
              + limits.perTenant()
              + " verifications running, as many as may run at once; try again when one has"
              + " ended");
    }
    if (total >= limits.total()) {
      throw busy(
          "the server runs as many verifications as it may at once; try again when one has ended");
    }
    webhooks.add(webhookId);
    tenants.merge(key, 1, Integer::sum);
    total++;
    return new Slot(webhookId, key);
  }

  private synchronized void giveBack(String webhookId, String tenantKey) {
    webhooks.remove(webhookId);
    int ofTenant = tenants.getOrDefault(tenantKey, 1);
    if (ofTenant <= 1) {
      tenants.remove(tenantKey);
    } else {
      tenants.put(tenantKey, ofTenant - 1);
    }
    total--;
  }

  private Problem busy(String detail) {
    return Problem.tooManyRequests(detail, limits.retryAfter().toSeconds());
  }

  /** One handshake's place. Releasing it again does nothing. */
  final class Slot {
    private final String webhookId;
    private final String tenantKey;
    private final AtomicBoolean open = new AtomicBoolean(true);

    private Slot(String webhookId, String tenantKey) {
      this.webhookId = webhookId;
      this.tenantKey = tenantKey;
    }

    void release() {
      if (open.compareAndSet(true, false)) {
        giveBack(webhookId, tenantKey);
      }
    }
  }
}
