package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Attempt;
import dev.hookline.DeliveryState;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A statement cut off by the database's {@code statement_timeout} (a production setting on many
 * roles, or a pooler's) is a timeout: trying again later can succeed, as after a lock timeout or a
 * network timeout, which the store already reports as retryable.
 */
class StatementTimeoutReviewTest {
  private static final String SCHEMA = "statement_timeout_review";
  private static final DataSource DS = EmbeddedDb.dataSource();

  /** The embedded database's connections, each with a 300 ms statement timeout. */
  private static final DataSource TIMED =
      EmbeddedDb.eachConnectionRuns(DS, "SET statement_timeout = '300ms'");

  @BeforeAll
  static void createSchema() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    EmbeddedDb.store(DS, SCHEMA);
  }

  @AfterAll
  static void dropSchema() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
  }

  @Test
  void aStatementTimeoutIsARetryableStoreException() throws Exception {
    PostgresStore store = EmbeddedDb.store(TIMED, SCHEMA);
    store.insertWebhook(Fixtures.webhook("wh_a", T0));
    store.enqueue(List.of(Fixtures.pending("dlv_1", "wh_a", "evt_1", T0)));
    ClaimedDelivery c = store.claim(ClaimRequest.of("w", T0, Duration.ofMinutes(1), 1)).get(0);
    assertTrue(store.fail(c.lease(), Attempt.response(1, T0, Duration.ofMillis(3), 500, ""), T0));

    // Another transaction holds the row (an operator's UPDATE, a long purge): the requeue waits
    // for it until the statement timeout cancels it.
    try (Connection holder = DS.getConnection()) {
      holder.setAutoCommit(false);
      try (Statement s = holder.createStatement()) {
        s.execute("SELECT 1 FROM " + SCHEMA + ".deliveries WHERE id = 'dlv_1' FOR UPDATE");
      }
      StoreException e = assertThrows(StoreException.class, () -> store.requeue("dlv_1", T0, T0));
      assertEquals("57014", e.sqlState().orElse(""), e.getMessage());
      assertTrue(
          e.isRetryable(),
          "a statement timeout is worth retrying, but the store said "
              + e.reason()
              + ": "
              + e.getMessage());
      holder.rollback();
    }
    assertTrue(store.requeue("dlv_1", T0, T0), "once the row is free, the same call succeeds");
    assertEquals(DeliveryState.RETRYING, store.findDelivery("dlv_1").orElseThrow().state());
  }
}
