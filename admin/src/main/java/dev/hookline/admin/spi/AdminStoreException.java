package dev.hookline.admin.spi;

import dev.hookline.HooklineException;
import java.util.Objects;

/**
 * An {@link AdminStore} could not do what was asked. Messages never contain a token or its hash.
 *
 * <p>Immutable and thread-safe.
 */
public final class AdminStoreException extends HooklineException {
  private static final long serialVersionUID = 1L;

  /** Why the store failed. */
  public enum Reason {
    /** A token with that id or hash exists. */
    DUPLICATE,
    /** The database schema lacks the store's tables: migrate it first. */
    SCHEMA_OUT_OF_DATE,
    /**
     * The database could not be reached, or is shutting down, overloaded or timed out: trying again
     * later may work.
     */
    UNAVAILABLE,
    /**
     * The database refused the request (a data or constraint error, or a bug): trying again does
     * not help.
     */
    FAILED
  }

  private final Reason reason;

  /**
   * Creates the exception.
   *
   * @param reason why the store failed
   * @param message what failed, and what to do about it
   * @param cause the underlying failure
   */
  public AdminStoreException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /**
   * Creates the exception without a cause.
   *
   * @param reason why the store failed
   * @param message what failed, and what to do about it
   */
  public AdminStoreException(Reason reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /**
   * Returns why the store failed.
   *
   * @return the reason
   */
  public Reason reason() {
    return reason;
  }
}
