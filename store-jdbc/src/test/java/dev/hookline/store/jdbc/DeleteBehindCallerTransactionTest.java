package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.pending;
import static dev.hookline.store.jdbc.Fixtures.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.testing.Poll;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Deleting a webhook waits, by design, for every transaction still enqueuing for it, a caller's own
 * transaction included ({@link PostgresStore#enqueue(Connection, List)} locks the webhook row until
 * the caller commits). The store's bound on how long it waits for an answer (meant for a connection
 * that stopped answering) must not cut that wait short: it killed the connection and failed the
 * delete as "unavailable" once a caller's transaction stayed open past the bound.
 */
class DeleteBehindCallerTransactionTest {
  private static final String SCHEMA = "delete_behind_caller";
  private static final Duration TIMEOUT = Duration.ofSeconds(1);

  @Test
  void aDeleteWaitingForACallersTransactionIsNotCutOffByTheNetworkTimeout() throws Exception {
    EmbeddedDb.dropSchema(EmbeddedDb.dataSource(), SCHEMA);
    try {
      PostgresStore store =
          PostgresStore.builder(EmbeddedDb.dataSource())
              .schema(SCHEMA)
              .secretCipher(EmbeddedDb.cipher())
              .networkTimeout(TIMEOUT)
              .build();
      store.insertWebhook(webhook("wh_1", T0));
      try (Connection caller = EmbeddedDb.dataSource().getConnection()) {
        caller.setAutoCommit(false);
        assertEquals(
            1, store.enqueue(caller, List.of(pending("dlv_1", "wh_1", "evt_1", T0))).size());

        CompletableFuture<Boolean> delete =
            CompletableFuture.supplyAsync(() -> store.deleteWebhook("wh_1"));
        Poll.until(
            Duration.ofSeconds(10),
            () ->
                EmbeddedDb.count(
                        EmbeddedDb.dataSource(),
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                            + " AND query LIKE 'DELETE FROM \""
                            + SCHEMA
                            + "\".webhooks%'")
                    > 0,
            "the delete waits for the caller's transaction");
        // The caller's transaction stays open past the store's network timeout.
        assertThrows(
            TimeoutException.class,
            () -> delete.get(3 * TIMEOUT.toMillis(), TimeUnit.MILLISECONDS),
            () ->
                "the delete gave up while waiting for the caller's transaction: "
                    + failure(delete));
        caller.commit();
        assertTrue(delete.get(10, TimeUnit.SECONDS));
      }
      assertEquals(0, store.countDeliveries("wh_1").total());
      assertTrue(store.findWebhook("wh_1").isEmpty());
    } finally {
      EmbeddedDb.dropSchema(EmbeddedDb.dataSource(), SCHEMA);
    }
  }

  /**
   * On the timeout the driver closes its connection, but a pool's proxy (HikariCP's) still says it
   * is open: giving back the timeout then failed, and that failure ("connection has been closed")
   * replaced the one that said what happened (the read that timed out).
   */
  @Test
  void theTimeoutIsReportedNotTheFailureToRestoreItBehindAPoolProxy() throws Exception {
    EmbeddedDb.dropSchema(EmbeddedDb.dataSource(), SCHEMA);
    DataSource real = EmbeddedDb.dataSource();
    DataSource pooled =
        (DataSource)
            Proxy.newProxyInstance(
                DataSource.class.getClassLoader(),
                new Class<?>[] {DataSource.class},
                (p, m, a) -> {
                  Object r = invoke(m, real, a);
                  return m.getName().equals("getConnection") ? stillOpen((Connection) r) : r;
                });
    try {
      PostgresStore store =
          PostgresStore.builder(pooled)
              .schema(SCHEMA)
              .secretCipher(EmbeddedDb.cipher())
              .networkTimeout(TIMEOUT)
              .build();
      store.insertWebhook(webhook("wh_1", T0));
      store.enqueue(List.of(pending("dlv_1", "wh_1", "evt_1", T0)));
      ClaimedDelivery claimed =
          store.claim(ClaimRequest.of("worker", T0, Duration.ofMinutes(5), 1)).get(0);
      try (Connection holder = real.getConnection()) {
        holder.setAutoCommit(false);
        try (Statement st = holder.createStatement()) {
          st.execute("SELECT 1 FROM \"" + SCHEMA + "\".deliveries WHERE id = 'dlv_1' FOR UPDATE");
        }
        StoreException e =
            assertThrows(StoreException.class, () -> store.release(claimed.lease(), T0, T0));
        assertEquals(StoreException.Reason.UNAVAILABLE, e.reason());
        assertTrue(
            e.getMessage().contains("08006"),
            "the timeout's own failure was replaced: " + e.getMessage());
        holder.rollback();
      }
    } finally {
      EmbeddedDb.dropSchema(EmbeddedDb.dataSource(), SCHEMA);
    }
  }

  /** A connection whose isClosed() is false until closed through it, as a pool's proxy says. */
  private static Connection stillOpen(Connection c) {
    AtomicBoolean closed = new AtomicBoolean();
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (p, m, a) -> {
              if (m.getName().equals("isClosed")) {
                return closed.get();
              }
              if (m.getName().equals("close")) {
                closed.set(true);
              }
              return invoke(m, c, a);
            });
  }

  private static Object invoke(Method m, Object target, Object[] args) throws Throwable {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private static String failure(CompletableFuture<?> f) {
    try {
      return String.valueOf(f.getNow(null));
    } catch (RuntimeException e) {
      return String.valueOf(e.getCause());
    }
  }
}
