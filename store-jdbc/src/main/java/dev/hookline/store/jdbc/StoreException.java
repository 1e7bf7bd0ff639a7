package dev.hookline.store.jdbc;

import dev.hookline.HooklineException;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A database operation of the {@link PostgresStore} failed. The message says which operation, why
 * (the database is unreachable, the schema is not what this version expects, or the statement
 * failed) and the SQLState; it never contains a secret or the value of a statement parameter.
 *
 * <p>{@link #isRetryable()} tells a caller's loop whether trying again later can help: a dispatcher
 * keeps its claim loop running, backing off, while the database is unreachable.
 *
 * <p>Immutable and thread-safe.
 */
public final class StoreException extends HooklineException {
  private static final long serialVersionUID = 1L;

  /** Why the operation failed. */
  public enum Reason {
    /**
     * The database could not be reached, refused the connection, or the connection broke; or it
     * takes no writes for now (a standby, a database turned read-only).
     */
    UNAVAILABLE,
    /**
     * A transient conflict (serialization failure, deadlock, lock timeout) or a statement timeout;
     * retry.
     */
    TRANSIENT,
    /** The schema is missing, newer than this library, or could not be migrated. */
    SCHEMA,
    /** The statement failed for another reason (see the SQLState and the cause). */
    FAILED
  }

  private final Reason reason;
  private final String operation;
  private final @Nullable String sqlState;

  /**
   * Creates the exception.
   *
   * @param reason why it failed
   * @param operation the store operation, for example {@code claim deliveries}
   * @param message the whole message, without secrets or parameter values
   * @param sqlState the SQLState reported by the driver, if any
   * @param cause the underlying failure, if any
   */
  public StoreException(
      Reason reason,
      String operation,
      String message,
      @Nullable String sqlState,
      @Nullable Throwable cause) {
    super(message);
    if (cause != null) {
      initCause(cause);
    }
    this.reason = Objects.requireNonNull(reason, "reason");
    this.operation = Objects.requireNonNull(operation, "operation");
    this.sqlState = sqlState;
  }

  /**
   * Returns why the operation failed.
   *
   * @return the reason
   */
  public Reason reason() {
    return reason;
  }

  /**
   * Returns the store operation that failed, for example {@code claim deliveries}.
   *
   * @return the operation
   */
  public String operation() {
    return operation;
  }

  /**
   * Returns the SQLState the driver reported.
   *
   * @return the SQLState, if there was one
   */
  public Optional<String> sqlState() {
    return Optional.ofNullable(sqlState);
  }

  /**
   * Returns whether trying the operation again later may succeed ({@link Reason#UNAVAILABLE} and
   * {@link Reason#TRANSIENT}).
   *
   * @return true if retryable
   */
  public boolean isRetryable() {
    return reason == Reason.UNAVAILABLE || reason == Reason.TRANSIENT;
  }
}
