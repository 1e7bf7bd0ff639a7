package dev.hookline.receiver;

import java.util.Objects;

/**
 * A request that is not a genuine, fresh, well-formed Hookline notification (Standard Webhooks, or
 * a Security Event Token checked by {@code hookline-receiver-set}), or one that must not be
 * processed now (its {@code webhook-id} is being or was processed). The {@link #reason()} says
 * which check failed; the message says why, and never contains an API key, a signing secret, a
 * signature or an {@code Authorization} value.
 *
 * <p>Immutable and thread-safe.
 */
public final class WebhookVerificationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Which check a request failed, with the HTTP status a listener should answer. */
  public enum Reason {
    /** No {@code Authorization: Bearer} header, or an empty one. */
    MISSING_API_KEY(401),
    /** The {@code Authorization} header is not {@code Bearer} with an accepted API key. */
    INVALID_API_KEY(401),
    /**
     * Signing secrets are configured but a {@code webhook-id}, {@code -timestamp} or {@code
     * -signature} header is missing.
     */
    MISSING_SIGNATURE_HEADERS(401),
    /**
     * No signature in {@code webhook-signature} matches the request under any configured secret.
     */
    INVALID_SIGNATURE(401),
    /** {@code webhook-timestamp} is older than the tolerance allows. */
    TIMESTAMP_TOO_OLD(401),
    /** {@code webhook-timestamp} is further in the future than the tolerance allows. */
    TIMESTAMP_IN_FUTURE(401),
    /** A header is duplicated, too long or not in its format. */
    MALFORMED_HEADER(400),
    /**
     * The {@code webhook-id} was accepted and is still being processed (or its processing died and
     * the replay guard's entry has not expired yet): answer 409 so that the sender retries later.
     */
    IN_PROGRESS(409),
    /**
     * The {@code webhook-id} was already processed: answer 2xx so that the sender stops retrying,
     * and do not process it again. A request replayed by an attacker gets the same answer.
     */
    ALREADY_PROCESSED(200),
    /** The body is larger than the configured maximum. */
    BODY_TOO_LARGE(413),
    /**
     * The body is not a Hookline notification ({@code id}, {@code type}, {@code timestamp}, {@code
     * data}).
     */
    MALFORMED_BODY(400),
    /** Security Event Tokens: the JWS {@code alg} is {@code none}: an unsigned token. */
    ALGORITHM_NONE(401),
    /**
     * Security Event Tokens: the JWS {@code alg} is an HMAC one (HS256, HS384, HS512), as in the
     * attack that signs with the sender's public key as a shared secret.
     */
    SYMMETRIC_ALGORITHM(401),
    /**
     * Security Event Tokens: the {@code alg} does not fit the type of the key its {@code kid} names
     * (for example ES256 with an RSA key): algorithms are pinned to key types.
     */
    ALGORITHM_KEY_MISMATCH(401),
    /** Security Event Tokens: any other JWS {@code alg} not on the allow-list (RS256, ES256). */
    UNSUPPORTED_ALGORITHM(401),
    /** Security Event Tokens: the {@code kid} is missing or not a well-formed key id. */
    MALFORMED_KEY_ID(400),
    /** Security Event Tokens: no key in the sender's key set has the token's {@code kid}. */
    UNKNOWN_KEY(401),
    /** Security Event Tokens: the named key is too weak to trust (an RSA key under 2048 bits). */
    WEAK_KEY(401),
    /** Security Event Tokens: the {@code typ} header is not {@code secevent+jwt}. */
    INVALID_TYPE(400),
    /**
     * Security Event Tokens: the header lists a {@code crit} parameter this verifier does not know.
     */
    UNSUPPORTED_CRITICAL_HEADER(400),
    /** Security Event Tokens: the {@code iss} claim is not the expected issuer. */
    WRONG_ISSUER(401),
    /** Security Event Tokens: the {@code aud} claim names none of the accepted audiences. */
    WRONG_AUDIENCE(401),
    /**
     * Security Event Tokens: the sender's key set could not be fetched; answer 503 so that the
     * sender retries.
     */
    KEY_SET_UNAVAILABLE(503);

    private final int httpStatus;

    Reason(int httpStatus) {
      this.httpStatus = httpStatus;
    }

    /**
     * Returns the HTTP status a listener should answer: 401 when the request is not authenticated
     * (key, signature, freshness), 400 for malformed input, 413 for a body too large, 409 while the
     * same id is being processed (not 2xx, so that the sender retries later instead of losing the
     * notification if that processing fails), and 200 for an id already processed (so that the
     * sender records a success; the only reason that is not an error).
     *
     * @return the status code
     */
    public int httpStatus() {
      return httpStatus;
    }
  }

  private final Reason reason;

  /**
   * Creates the exception.
   *
   * @param reason which check failed
   * @param message why, without any secret
   */
  public WebhookVerificationException(Reason reason, String message) {
    super(Objects.requireNonNull(message, "message"));
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /**
   * Returns which check failed.
   *
   * @return the reason
   */
  public Reason reason() {
    return reason;
  }
}
