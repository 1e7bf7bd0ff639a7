package dev.hookline;

/**
 * A filter expression could not be compiled: a syntax error, an unknown operator, a limit exceeded,
 * or an event type outside the webhook's subscription. Carries the 1-based line and column where
 * the problem was found (both 0 when the problem has no position).
 *
 * <p>Immutable and thread-safe.
 */
public final class InvalidFilterException extends HooklineException {
  private static final long serialVersionUID = 1L;

  private final int line;
  private final int column;
  private final String problem;

  /**
   * Creates the exception.
   *
   * @param problem what is wrong and what was expected
   * @param line 1-based line, or 0 when not applicable
   * @param column 1-based column, or 0 when not applicable
   */
  public InvalidFilterException(String problem, int line, int column) {
    super(line > 0 ? "line " + line + ", column " + column + ": " + problem : problem);
    this.problem = problem;
    this.line = line;
    this.column = column;
  }

  /**
   * Returns the problem without the position prefix.
   *
   * @return the problem
   */
  public String problem() {
    return problem;
  }

  /**
   * Returns the 1-based line of the problem, or 0 when it has no position.
   *
   * @return the line
   */
  public int line() {
    return line;
  }

  /**
   * Returns the 1-based column of the problem, or 0 when it has no position.
   *
   * @return the column
   */
  public int column() {
    return column;
  }
}
