package dev.hookline;

import java.util.Objects;

/**
 * A stored secret could not be decrypted. The message names the reason and the key id, never the
 * secret, the ciphertext or key material.
 *
 * <p>Immutable and thread-safe.
 */
public final class SecretCipherException extends HooklineException {
  private static final long serialVersionUID = 1L;

  /** Why decryption failed. */
  public enum Reason {
    /** The value is not something the cipher produced (wrong format or truncated). */
    MALFORMED,
    /** The value names a key id that is not configured. */
    UNKNOWN_KEY,
    /** Authentication failed: the value was altered, or the key with that id is a different key. */
    AUTHENTICATION_FAILED
  }

  private final Reason reason;

  /**
   * Creates the exception.
   *
   * @param reason why decryption failed
   * @param message what went wrong and what to do, without secrets
   */
  public SecretCipherException(Reason reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /**
   * Creates the exception with its cause.
   *
   * @param reason why decryption failed
   * @param message what went wrong and what to do, without secrets
   * @param cause the underlying failure
   */
  public SecretCipherException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /**
   * Returns why decryption failed.
   *
   * @return the reason
   */
  public Reason reason() {
    return reason;
  }
}
