package dev.hookline.admin.store;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import org.junit.jupiter.api.Test;

/** Which database failures the admin API answers 503 (try again) and which 500. */
class FailureKindTest {
  @Test
  void failuresATryAgainMaySurviveAreUnavailable() {
    for (String state :
        new String[] {"08006", "08001", "53300", "57P01", "57014", "40P01", "40001", "55P03"}) {
      assertTrue(PostgresAdminStore.unavailable(new SQLException("x", state)), state);
    }
    assertTrue(PostgresAdminStore.unavailable(new SQLTimeoutException("timed out")));
  }

  @Test
  void failuresThatWouldRecurAreNot() {
    for (String state : new String[] {"22021", "23505", "42501", "42P01", "XX000"}) {
      assertFalse(PostgresAdminStore.unavailable(new SQLException("x", state)), state);
    }
    assertFalse(PostgresAdminStore.unavailable(new SQLException("no state")));
  }
}
