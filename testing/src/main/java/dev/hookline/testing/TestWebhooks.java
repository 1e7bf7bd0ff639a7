package dev.hookline.testing;

import dev.hookline.Webhook;
import dev.hookline.WebhookRegistry;
import dev.hookline.WebhookStatus;
import dev.hookline.internal.RegistryAccess;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Shortcuts for tests that are not about the verification handshake. Production code has no way to
 * mark a webhook verified without one: the registry records only a handshake's outcome, run by
 * {@code Dispatcher.startVerification}. Tests that need a receiving webhook without a listener that
 * answers the handshake use {@link #markVerified} instead.
 *
 * <p>Thread-safe (stateless).
 */
public final class TestWebhooks {
  private TestWebhooks() {}

  /**
   * Marks a webhook verified without a handshake. For tests only.
   *
   * @param registry the registry that owns the webhook
   * @param id the webhook id
   * @return the stored webhook, now {@link WebhookStatus#VERIFIED}
   * @throws dev.hookline.WebhookNotFoundException if no webhook has that id
   */
  public static Webhook markVerified(WebhookRegistry registry, String id) {
    Objects.requireNonNull(id, "id");
    return RegistryAccess.stateChanges(registry).markVerifiedWithoutHandshake(id);
  }

  /**
   * Returns a copy of {@code webhook} in another state, with the version incremented, as a Store
   * test writes it. For testing Store implementations, which store what they are given.
   *
   * @param webhook the webhook
   * @param status the new status
   * @param enabled the new enabled flag
   * @param reason the new status reason
   * @param now the update time
   * @return the changed copy
   */
  public static Webhook withState(
      Webhook webhook,
      WebhookStatus status,
      boolean enabled,
      Optional<String> reason,
      Instant now) {
    Webhook w = Objects.requireNonNull(webhook, "webhook");
    return new Webhook(
        w.id(),
        w.tenant(),
        w.name(),
        w.description(),
        w.uri(),
        w.apiKey(),
        w.events(),
        w.filter(),
        w.format(),
        w.audience(),
        status,
        enabled,
        reason,
        w.signingSecrets(),
        w.createdAt(),
        now,
        w.version() + 1);
  }
}
