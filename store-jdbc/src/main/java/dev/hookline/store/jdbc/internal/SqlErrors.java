package dev.hookline.store.jdbc.internal;

import dev.hookline.store.jdbc.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransactionRollbackException;
import java.sql.SQLTransientConnectionException;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Turns {@link SQLException}s into {@link StoreException}s with a reason and a message a user can
 * act on. The message carries the operation, the reason, the SQLState and the first line of the
 * driver's message (never its detail lines, which can quote row values); statement parameters are
 * never added. Secrets reach the database only encrypted, so no plaintext secret can appear.
 * Thread- safe (stateless).
 */
public final class SqlErrors {
  /**
   * The server is shutting down or restarting, the database went away, or the session was ended
   * (57P0x); class 53 (insufficient resources: too many connections, out of memory, disk full) is
   * added below.
   */
  private static final Set<String> UNAVAILABLE_STATES =
      Set.of("57P01", "57P02", "57P03", "57P04", "57P05");

  /**
   * A write refused because the database takes none (25006, read_only_sql_transaction): a hot
   * standby, which is what a pool reaches after a failover until it connects to the new primary, or
   * a database set read-only, as managed PostgreSQL services do when its storage runs out. Both
   * pass, and the write can succeed later: it is reported {@code UNAVAILABLE}.
   */
  private static final String READ_ONLY = "25006";

  private static final Set<String> SCHEMA_STATES = Set.of("42P01", "3F000", "42703", "42883");
  private static final int MAX_DRIVER_MESSAGE = 300;

  private SqlErrors() {}

  /**
   * Wraps a failure.
   *
   * @param operation what the store was doing, for example {@code claim deliveries}
   * @param e the failure
   * @return the exception to throw
   */
  public static StoreException wrap(String operation, SQLException e) {
    String state = e.getSQLState();
    StoreException.Reason reason = classify(e, state);
    String why =
        READ_ONLY.equals(state)
            ? "the database takes no writes for now (a standby, as after a failover, or a database"
                + " turned read-only, as a managed one is when its storage runs out); check that"
                + " the DataSource reaches the primary and that it has space"
            : switch (reason) {
              case UNAVAILABLE ->
                  "the database is unreachable or the connection broke; check that"
                      + " PostgreSQL is running and that the DataSource points at it";
              case TRANSIENT ->
                  "a transient conflict (serialization failure, deadlock, lock timeout or"
                      + " statement timeout); the operation can be retried";
              case SCHEMA ->
                  "the Hookline tables are missing or were changed outside Hookline's"
                      + " migrations";
              case FAILED -> "the statement failed";
            };
    return new StoreException(
        reason,
        operation,
        "PostgreSQL store could not "
            + operation
            + ": "
            + why
            + " (SQLState "
            + (state == null ? "unknown" : state)
            + firstLine(e.getMessage())
            + ")",
        state,
        e);
  }

  private static StoreException.Reason classify(SQLException e, @Nullable String state) {
    if (e instanceof SQLTransientConnectionException
        || e instanceof SQLNonTransientConnectionException
        || e instanceof SQLRecoverableException
        || (state != null
            && (state.startsWith("08")
                || state.startsWith("53")
                || UNAVAILABLE_STATES.contains(state)
                || state.equals(READ_ONLY)))) {
      return StoreException.Reason.UNAVAILABLE;
    }
    if (e instanceof SQLTransactionRollbackException
        // 57014: cancelled, by the session's statement_timeout (a setting many production roles
        // and poolers have) or an operator: a timeout, worth trying again as a lock timeout is.
        || (state != null
            && (state.startsWith("40") || state.equals("55P03") || state.equals("57014")))) {
      return StoreException.Reason.TRANSIENT;
    }
    if (state != null && SCHEMA_STATES.contains(state)) {
      return StoreException.Reason.SCHEMA;
    }
    return StoreException.Reason.FAILED;
  }

  private static String firstLine(@Nullable String message) {
    if (message == null || message.isBlank()) {
      return "";
    }
    int nl = message.indexOf('\n');
    String line = (nl < 0 ? message : message.substring(0, nl)).strip();
    if (line.length() > MAX_DRIVER_MESSAGE) {
      line = line.substring(0, MAX_DRIVER_MESSAGE) + "...";
    }
    return ": " + line;
  }

  /**
   * Rolls back after a failure, keeping the original failure: a rollback error is added to it as
   * suppressed rather than replacing it.
   *
   * @param c the connection
   * @param failure what went wrong
   */
  public static void rollbackQuietly(Connection c, Throwable failure) {
    try {
      c.rollback();
    } catch (SQLException rollbackFailure) {
      failure.addSuppressed(rollbackFailure);
    }
  }
}
