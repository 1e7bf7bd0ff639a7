package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.pending;
import static dev.hookline.store.jdbc.Fixtures.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryState;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * What an endpoint answers cannot keep an outcome from being recorded, and a failed transaction
 * hands its connection back as it found it.
 */
class StoreRobustnessTest {
  private static final Duration LEASE = Duration.ofSeconds(30);

  @Test
  void aResponseBodyHoldingNulIsRecordedAndSoAreTheOutcomesWrittenWithIt() throws Exception {
    DataSource ds = EmbeddedDb.dataSource();
    EmbeddedDb.dropSchema(ds, "nul_outcome");
    PostgresStore store = EmbeddedDb.store(ds, "nul_outcome");
    try {
      store.insertWebhook(webhook("wh_a", T0));
      store.enqueue(
          List.of(
              pending("dlv_1", "wh_a", "evt_1", T0),
              pending("dlv_2", "wh_a", "evt_2", T0),
              pending("dlv_3", "wh_a", "evt_3", T0)));
      List<ClaimedDelivery> claimed = store.claim(ClaimRequest.of("w", T0, LEASE, 3));
      assertEquals(3, claimed.size());
      // A gzip or binary body the client did not decode: PostgreSQL's jsonb refuses \u0000.
      assertTrue(
          store.complete(
              claimed.get(0).lease(), Attempt.response(1, T0, Duration.ZERO, 200, "ok\u0000"), T0));
      // Handed over together, so that (timing allowing) one grouped write carries both.
      CompletableFuture<Boolean> a =
          store
              .completeAsync(
                  claimed.get(1).lease(),
                  Attempt.response(1, T0, Duration.ZERO, 200, "\u0000\u0001"),
                  T0)
              .toCompletableFuture();
      CompletableFuture<Boolean> b =
          store
              .completeAsync(
                  claimed.get(2).lease(), Attempt.response(1, T0, Duration.ZERO, 200, "fine"), T0)
              .toCompletableFuture();
      assertTrue(a.get(10, TimeUnit.SECONDS));
      assertTrue(b.get(10, TimeUnit.SECONDS));
      Delivery first = store.findDelivery(claimed.get(0).delivery().id()).orElseThrow();
      assertEquals(DeliveryState.SUCCEEDED, first.state());
      assertEquals("ok\uFFFD", first.attempts().get(0).responseBody(), "NUL kept as U+FFFD");
      assertEquals(
          DeliveryState.SUCCEEDED,
          store.findDelivery(claimed.get(2).delivery().id()).orElseThrow().state());
    } finally {
      EmbeddedDb.dropSchema(ds, "nul_outcome");
    }
  }

  @Test
  void aFailedTransactionTurnsAutoCommitBackOnForTheNextBorrower() throws Exception {
    DataSource server = EmbeddedDb.dataSource();
    EmbeddedDb.dropSchema(server, "autocommit");
    Connection physical = server.getConnection();
    try (Connection other = server.getConnection()) {
      // A pool that does not reset connections: every borrow is the same one, close() keeps it.
      DataSource single = singleConnection(physical);
      PostgresStore store = EmbeddedDb.store(single, "autocommit");
      store.insertWebhook(webhook("wh_a", T0));
      try (Statement s = physical.createStatement()) {
        s.execute("SET lock_timeout = '50ms'");
      }
      other.setAutoCommit(false);
      try (Statement s = other.createStatement()) {
        s.execute("SELECT 1 FROM \"autocommit\".webhooks WHERE id = 'wh_a' FOR UPDATE");
      }
      // The delete waits for the row other holds, and gives up after 50 ms.
      StoreException e = assertThrows(StoreException.class, () -> store.deleteWebhook("wh_a"));
      assertEquals("55P03", e.sqlState().orElse(""), e.getMessage());
      assertTrue(physical.getAutoCommit(), "auto-commit is on again after the rollback");
      other.rollback();
    } finally {
      physical.close();
      EmbeddedDb.dropSchema(server, "autocommit");
    }
  }

  private static DataSource singleConnection(Connection physical) {
    Connection kept =
        (Connection)
            Proxy.newProxyInstance(
                Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("close")) {
                    return null;
                  }
                  try {
                    return method.invoke(physical, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    return (DataSource)
        Proxy.newProxyInstance(
            DataSource.class.getClassLoader(),
            new Class<?>[] {DataSource.class},
            (proxy, method, args) -> {
              if (method.getName().equals("getConnection")) {
                return kept;
              }
              throw new SQLException("not used by the test: " + method.getName());
            });
  }
}
