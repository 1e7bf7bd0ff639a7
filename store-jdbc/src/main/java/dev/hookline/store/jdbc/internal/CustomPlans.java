package dev.hookline.store.jdbc.internal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Asks the PostgreSQL JDBC driver (pgjdbc) to have a statement planned at each execution, with its
 * actual parameters and the tables' current sizes, instead of switching to a server-side prepared
 * statement whose generic plan is cached for the life of the connection.
 *
 * <p>Why: pgjdbc prepares a statement on the server after five executions, and PostgreSQL then
 * keeps the generic plan it made at that moment if it was no dearer than the custom ones. For the
 * grouped outcome write that moment is often just after the deliveries table was created or
 * emptied; the generic plan then scans the table (it was tiny), and keeps scanning it while a burst
 * grows it to tens of thousands of rows, until autovacuum next invalidates the plan (a minute or
 * more). Measured in a 50,000-delivery burst to one endpoint: that scan took a third to a half of
 * PostgreSQL's CPU. A custom plan costs about 0.2 ms of planning per statement, a few microseconds
 * per outcome when outcomes are grouped, and finds the rows by primary key.
 *
 * <p>The driver is reached through {@link java.sql.Wrapper#unwrap} and reflection, so the store
 * keeps compiling against {@code java.sql} only. A statement that does not unwrap to pgjdbc's (a
 * pool that hides it, another driver) is left as it is. Thread-safe.
 */
public final class CustomPlans {
  private static final ClassValue<Optional<Handle>> HANDLES =
      new ClassValue<>() {
        @Override
        protected Optional<Handle> computeValue(Class<?> statementType) {
          return Optional.ofNullable(Handle.find(statementType));
        }
      };

  private CustomPlans() {}

  /**
   * Asks for a custom plan at each execution of {@code ps}, if its driver is pgjdbc.
   *
   * @param ps a statement just prepared
   * @return whether the driver took the request
   * @throws SQLException if unwrapping the statement fails
   */
  public static boolean request(PreparedStatement ps) throws SQLException {
    Optional<Handle> handle = HANDLES.get(ps.getClass());
    if (handle.isEmpty() || !ps.isWrapperFor(handle.get().type)) {
      return false;
    }
    Object pg = ps.unwrap(handle.get().type);
    try {
      handle.get().setPrepareThreshold.invoke(pg, 0);
      return true;
    } catch (IllegalAccessException | InvocationTargetException e) {
      return false;
    }
  }

  private record Handle(Class<?> type, Method setPrepareThreshold) {
    static @Nullable Handle find(Class<?> statementType) {
      for (ClassLoader loader :
          new ClassLoader[] {
            statementType.getClassLoader(),
            Thread.currentThread().getContextClassLoader(),
            CustomPlans.class.getClassLoader()
          }) {
        if (loader == null) {
          continue;
        }
        try {
          Class<?> type = Class.forName("org.postgresql.PGStatement", false, loader);
          return new Handle(type, type.getMethod("setPrepareThreshold", int.class));
        } catch (ClassNotFoundException | NoSuchMethodException e) {
          // try the next loader
        }
      }
      return null;
    }
  }
}
