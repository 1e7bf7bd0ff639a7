package dev.hookline.set;

import dev.hookline.HooklineException;
import java.util.Objects;

/**
 * A signing key could not be loaded or used. The message names the key id and what is wrong, never
 * key material.
 *
 * <p>Immutable and thread-safe.
 */
public final class SigningKeyException extends HooklineException {
  private static final long serialVersionUID = 1L;

  /** What is wrong with the key. */
  public enum Reason {
    /** The PEM text is not a PKCS#8 private key or an X.509 public key. */
    MALFORMED_PEM,
    /** The key is of a type or curve the algorithm does not use. */
    WRONG_KEY_TYPE,
    /** The RSA key is shorter than 2048 bits. */
    WEAK_KEY,
    /** The private and public key are not a pair. */
    MISMATCHED_PAIR,
    /** The key store has no such key, or it could not be read. */
    KEY_STORE,
    /**
     * The key id is not 1 to 128 characters {@code A-Z a-z 0-9 . _ -}, starts with a dot or
     * contains "..".
     */
    MALFORMED_KEY_ID
  }

  private final Reason reason;

  /**
   * Creates the exception.
   *
   * @param reason what is wrong
   * @param message why, without key material
   */
  public SigningKeyException(Reason reason, String message) {
    super(Objects.requireNonNull(message, "message"));
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /**
   * Creates the exception with a cause.
   *
   * @param reason what is wrong
   * @param message why, without key material
   * @param cause the underlying failure
   */
  public SigningKeyException(Reason reason, String message, Throwable cause) {
    super(Objects.requireNonNull(message, "message"), cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /**
   * Returns what is wrong.
   *
   * @return the reason
   */
  public Reason reason() {
    return reason;
  }
}
