package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.pending;
import static dev.hookline.store.jdbc.Fixtures.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.Lane;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A claim in {@link Lane#ANY} (the dispatcher's probe of endpoints left out of a round, capped at
 * one delivery each) runs one statement per lane. They ran on an auto-commit connection, each
 * committing by itself: when a later one failed (the connection broke, a statement timeout), the
 * claim threw, and the deliveries the earlier statements had leased stayed in flight under a lease
 * no one held, not sent until it expired. Now a failed claim leaves nothing leased.
 */
class AnyLaneClaimFailureReviewTest {
  private static final String SCHEMA = "any_lane_claim_failure";
  private static final Duration LEASE = Duration.ofMinutes(5);
  private static final DataSource DS = EmbeddedDb.dataSource();

  @BeforeAll
  static void createSchema() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    EmbeddedDb.store(DS, SCHEMA);
  }

  @AfterAll
  static void dropSchema() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
  }

  /** Connections whose claim of the retries lane fails as a broken connection does, when armed. */
  private static DataSource failingRetriesClaim(AtomicBoolean armed) {
    return new ForwardingDataSource(DS) {
      @Override
      public Connection getConnection() throws SQLException {
        Connection real = delegate.getConnection();
        return (Connection)
            Proxy.newProxyInstance(
                Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                  if (armed.get()
                      && method.getName().equals("prepareStatement")
                      && args[0] instanceof String sql
                      && sql.contains("SET state = 'IN_FLIGHT'")
                      && sql.contains("attempt_count > 0")) {
                    throw new SQLException("I/O error: connection reset", "08006");
                  }
                  try {
                    return method.invoke(real, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
      }
    };
  }

  @ParameterizedTest(name = "capped per webhook: {0}")
  @ValueSource(booleans = {true, false})
  void aClaimThatFailsLeavesNothingLeased(boolean capped) {
    EmbeddedDb.truncate(DS, SCHEMA);
    AtomicBoolean armed = new AtomicBoolean();
    PostgresStore store = EmbeddedDb.store(failingRetriesClaim(armed), SCHEMA);
    store.insertWebhook(webhook("wh_a", T0));
    store.insertWebhook(webhook("wh_b", T0));
    store.enqueue(
        List.of(pending("dlv_1", "wh_a", "evt_1", T0), pending("dlv_2", "wh_b", "evt_2", T0)));
    ClaimRequest request =
        capped
            ? new ClaimRequest("w1", T0, LEASE, 10, Lane.ANY, Set.of(), 1)
            : ClaimRequest.of("w1", T0, LEASE, 10);
    armed.set(true);
    StoreException e = assertThrows(StoreException.class, () -> store.claim(request));
    assertEquals(StoreException.Reason.UNAVAILABLE, e.reason());
    // fails now: the first attempts' statement committed both deliveries to w1's lease
    assertEquals(
        0,
        EmbeddedDb.count(
            DS, "SELECT count(*) FROM " + SCHEMA + ".deliveries WHERE state = 'IN_FLIGHT'"),
        "left leased by the failed claim");
    armed.set(false);
    assertEquals(2, store.claim(ClaimRequest.of("w2", T0, LEASE, 10)).size());
  }
}
