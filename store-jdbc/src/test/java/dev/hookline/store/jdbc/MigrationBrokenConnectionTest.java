package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * A migration whose connection breaks reports why it broke: restoring the connection's auto-commit
 * on the way out fails too, and that second failure must not replace the first.
 */
class MigrationBrokenConnectionTest {
  private static final String SCHEMA = "migrate_broken";

  @Test
  void theOriginalFailureIsReportedAndTheRestoreFailureIsSuppressed() {
    DataSource server = EmbeddedDb.dataSource();
    EmbeddedDb.dropSchema(server, SCHEMA);
    // The database ends the session just as the migration asks for its lock.
    DataSource breaking =
        (DataSource)
            Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                  Object result = invoke(method, server, args);
                  if (!method.getName().equals("getConnection")) {
                    return result;
                  }
                  Connection real = (Connection) result;
                  return Proxy.newProxyInstance(
                      getClass().getClassLoader(),
                      new Class<?>[] {Connection.class},
                      (p, m, a) -> {
                        if (m.getName().equals("prepareStatement")
                            && String.valueOf(a[0]).contains("pg_advisory_xact_lock")) {
                          terminate(server, real);
                        }
                        return invoke(m, real, a);
                      });
                });
    StoreException e = assertThrows(StoreException.class, () -> EmbeddedDb.store(breaking, SCHEMA));
    SQLException cause = (SQLException) e.getCause();
    assertNotEquals(
        "08003",
        cause.getSQLState(),
        () ->
            "the failure to restore auto-commit on the closed connection hid why it closed: " + e);
    assertEquals(StoreException.Reason.UNAVAILABLE, e.reason(), e::toString);
    assertTrue(
        Arrays.stream(cause.getSuppressed())
            .anyMatch(s -> s instanceof SQLException sql && "08003".equals(sql.getSQLState())),
        () ->
            "the restore failure is kept as suppressed: " + Arrays.toString(cause.getSuppressed()));
  }

  private static Object invoke(java.lang.reflect.Method m, Object target, Object[] args)
      throws Throwable {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException ex) {
      throw ex.getCause();
    }
  }

  private static void terminate(DataSource server, Connection victim) throws SQLException {
    int pid;
    try (Statement s = victim.createStatement();
        ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
      rs.next();
      pid = rs.getInt(1);
    }
    try (Connection c = server.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT pg_terminate_backend(?)")) {
      ps.setInt(1, pid);
      ps.execute();
    }
  }
}
