package dev.hookline;

/**
 * Where a webhook stands in its life. Independent of the {@linkplain Webhook#enabled() enabled}
 * flag: notifications go only to webhooks that are {@link #VERIFIED} and enabled.
 *
 * <p>Immutable and thread-safe.
 */
public enum WebhookStatus {
  /** New, or its URI changed: the endpoint has not yet proved that it wants the notifications. */
  PENDING_VERIFICATION,
  /** The endpoint answered the verification handshake. */
  VERIFIED,
  /**
   * The endpoint kept failing (or answered 410 Gone), so Hookline stopped sending; {@link
   * Webhook#statusReason()} says why. Re-enabling the webhook returns it to {@link #VERIFIED}.
   */
  DISABLED_BY_FAILURE
}
