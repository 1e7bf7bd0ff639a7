package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A grouped outcome write that loses a deadlock (or a serialization failure) to another transaction
 * locking some of its rows, such as a webhook's deletion deleting its deliveries in another order,
 * failed every outcome it carried: outcomes of other deliveries, with current leases, were not
 * recorded and their deliveries were sent again once their leases expired. The write is atomic, so
 * nothing of it stands: each outcome can be written again on its own.
 */
class GroupedOutcomeDeadlockTest {
  private static final String SCHEMA = "grouped_deadlock";

  /**
   * The store's sessions plan as on a table of production size, where the write finds its rows by
   * primary key in the order it was handed them (this test's tiny table would be scanned, in
   * whatever order its rows lie).
   */
  private static final SimpleConnectionPool DS =
      SimpleConnectionPool.forUrl(
          "jdbc:postgresql://127.0.0.1:"
              + EmbeddedDb.server().getPort()
              + "/postgres?user=postgres&options=-c%20enable_seqscan%3Doff%20-c%20"
              + "enable_hashjoin%3Doff%20-c%20enable_mergejoin%3Doff",
          8);

  @AfterAll
  static void cleanUp() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    DS.close();
  }

  @Test
  void anOutcomeWriteThatLosesADeadlockStillRecordsEachOutcome() throws Exception {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    PostgresStore store = EmbeddedDb.store(DS, SCHEMA);
    List<ClaimedDelivery> claimed = Fixtures.claimThree(store);
    ClaimedDelivery d0 = byId(claimed, "dlv_0");
    ClaimedDelivery d1 = byId(claimed, "dlv_1");
    ClaimedDelivery d2 = byId(claimed, "dlv_2");

    try (Connection other = DS.getConnection();
        Connection holder = DS.getConnection()) {
      // "other" locks dlv_1 now and dlv_2 later (as a DELETE of the webhook's deliveries does, in
      // its own order); it never runs the deadlock check itself, so the outcome write does.
      other.setAutoCommit(false);
      execute(other, "SET LOCAL deadlock_timeout = '60s'");
      lock(other, "dlv_1");
      // "holder" keeps the first write (dlv_0 alone) waiting while the next two queue up
      // (asynchronous
      // outcomes: each is queued when completeAsync returns).
      holder.setAutoCommit(false);
      lock(holder, "dlv_0");

      AtomicReference<Object> first = new AtomicReference<>();
      Thread leader =
          new Thread(() -> first.set(answer(() -> store.complete(d0.lease(), ok(1, T0), T0))));
      leader.start();
      Poll.until(
          Duration.ofSeconds(10),
          () -> EmbeddedDb.outcomeWritesWaiting(DS) == 1,
          "dlv_0's write waits");

      CompletableFuture<Boolean> second =
          store.completeAsync(d2.lease(), ok(1, T0), T0).toCompletableFuture();
      CompletableFuture<Boolean> third =
          store.completeAsync(d1.lease(), ok(1, T0), T0).toCompletableFuture();

      holder.commit(); // the first write goes; the next carries dlv_2 and dlv_1, in that order
      Poll.until(
          Duration.ofSeconds(10),
          () -> EmbeddedDb.outcomeWritesWaiting(DS) == 1,
          "the write of dlv_2 and dlv_1 waits for dlv_1");
      lock(other, "dlv_2"); // a deadlock: the outcome write detects it and is cancelled
      other.rollback();

      assertEquals(
          true,
          answer(() -> second.get(20, TimeUnit.SECONDS)),
          "dlv_2's outcome, under its current lease, was not recorded");
      assertEquals(
          true,
          answer(() -> third.get(20, TimeUnit.SECONDS)),
          "dlv_1's outcome, under its current lease, was not recorded");
      leader.join(20_000);
      assertEquals(true, first.get());
    }
    assertNull(store.findDelivery("dlv_2").orElseThrow().lease().orElse(null));
    assertTrue(store.findDelivery("dlv_1").orElseThrow().lease().isEmpty());
  }

  /** A call's answer, or its exception. */
  private static Object answer(java.util.concurrent.Callable<?> call) {
    try {
      return call.call();
    } catch (Exception e) {
      return e;
    }
  }

  private static ClaimedDelivery byId(List<ClaimedDelivery> claimed, String id) {
    return claimed.stream().filter(c -> c.delivery().id().equals(id)).findFirst().orElseThrow();
  }

  private static void lock(Connection c, String id) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT 1 FROM \"" + SCHEMA + "\".deliveries WHERE id = ? FOR UPDATE")) {
      ps.setString(1, id);
      ps.executeQuery().close();
    }
  }

  private static void execute(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
