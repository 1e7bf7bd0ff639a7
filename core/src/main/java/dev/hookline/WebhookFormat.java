package dev.hookline;

/**
 * How a webhook's notifications are written on the wire. Part of the {@link WebhookDefinition}; the
 * dispatcher that sends a webhook's notifications must have the format's implementation.
 *
 * <p>Immutable and thread-safe.
 */
public enum WebhookFormat {
  /**
   * The default: a JSON body signed with HMAC-SHA256 per Standard Webhooks ({@code webhook-id},
   * {@code webhook-timestamp}, {@code webhook-signature}), built into the delivery module.
   */
  STANDARD_WEBHOOKS,

  /**
   * A Security Event Token (RFC 8417): a JWS-signed JWT POSTed as {@code application/secevent+jwt}
   * in the manner of RFC 8935, verifiable with the sender's public JSON Web Key Set. Needs the
   * {@code hookline-set} module's format on the dispatcher.
   */
  SECURITY_EVENT_TOKEN
}
