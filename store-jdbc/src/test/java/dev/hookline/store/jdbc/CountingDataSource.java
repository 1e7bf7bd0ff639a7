package dev.hookline.store.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * A DataSource that counts the statements executed through its connections: the scale tests count
 * the work a Store call does instead of timing it.
 */
final class CountingDataSource {
  private CountingDataSource() {}

  /**
   * Wraps {@code target}: every {@code execute*} of a statement made through it adds one to {@code
   * statements}.
   *
   * @param target the DataSource
   * @param statements the counter
   * @return the counting DataSource
   */
  static DataSource of(DataSource target, AtomicLong statements) {
    return counting(target, DataSource.class, statements);
  }

  @SuppressWarnings("unchecked")
  private static <T> T counting(Object target, Class<T> type, AtomicLong statements) {
    InvocationHandler handler =
        (proxy, method, args) -> {
          Object result;
          try {
            result = method.invoke(target, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
          if (target instanceof Statement && method.getName().startsWith("execute")) {
            statements.incrementAndGet();
          }
          Class<?> returned = method.getReturnType();
          if (result != null
              && (returned == Connection.class || Statement.class.isAssignableFrom(returned))) {
            return counting(result, returned, statements);
          }
          return result;
        };
    return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler);
  }
}
