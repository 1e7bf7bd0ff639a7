package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.DeliveryState;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.spi.Lease;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A worker interrupted while it leads the grouped outcome write (a dispatcher shutting down
 * interrupts its workers) went on to lead the write of the outcomes queued behind its own with its
 * interrupt status set, and a pool that waits interruptibly for a connection (this one, as a
 * Semaphore does) refused to lend it one: every outcome in that write failed as the database
 * unavailable, and was sent again once its lease expired. The leader now runs each write with its
 * interrupt status cleared, and restores it afterwards.
 */
class InterruptedOutcomeLeaderTest {
  private static final String SCHEMA = "interrupted_outcome_leader";
  private static final SimpleConnectionPool POOL =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 8);

  @AfterAll
  static void cleanUp() {
    EmbeddedDb.dropSchema(POOL, SCHEMA);
    POOL.close();
  }

  @Test
  void outcomesLedByAnInterruptedWorkerAreRecorded() throws Exception {
    EmbeddedDb.dropSchema(POOL, SCHEMA);
    PostgresStore store = EmbeddedDb.store(POOL, SCHEMA);
    List<ClaimedDelivery> claimed = Fixtures.claimThree(store);

    AtomicReference<Object> own = new AtomicReference<>();
    AtomicBoolean stillInterrupted = new AtomicBoolean();
    CompletableFuture<Boolean> second;
    CompletableFuture<Boolean> third;
    Thread worker;
    try (Connection holder = POOL.getConnection()) {
      holder.setAutoCommit(false);
      try (PreparedStatement ps =
          holder.prepareStatement(
              "SELECT 1 FROM \"" + SCHEMA + "\".deliveries WHERE id = 'dlv_0' FOR UPDATE")) {
        ps.executeQuery().close();
      }
      worker =
          new Thread(
              () -> {
                try {
                  own.set(store.complete(lease(claimed, "dlv_0"), ok(1, T0), T0));
                } catch (RuntimeException e) {
                  own.set(e);
                }
                stillInterrupted.set(Thread.currentThread().isInterrupted());
              },
              "worker");
      worker.start();
      Poll.until(
          Duration.ofSeconds(10),
          () -> EmbeddedDb.outcomeWritesWaiting(POOL) == 1,
          "dlv_0's write waits");
      // Queued behind it: the worker leads their write once its own is done.
      second = store.completeAsync(lease(claimed, "dlv_1"), ok(1, T0), T0).toCompletableFuture();
      third = store.completeAsync(lease(claimed, "dlv_2"), ok(1, T0), T0).toCompletableFuture();
      worker.interrupt(); // while its statement waits in the database
      holder.commit();
    }
    worker.join(20_000);
    assertEquals(true, own.get(), "the worker's own outcome");
    assertTrue(stillInterrupted.get(), "the worker's interrupt is kept");
    assertEquals(true, answer(second), "dlv_1's outcome, carried by the interrupted worker");
    assertEquals(true, answer(third), "dlv_2's outcome, carried by the interrupted worker");
    for (String id : List.of("dlv_0", "dlv_1", "dlv_2")) {
      assertEquals(DeliveryState.SUCCEEDED, store.findDelivery(id).orElseThrow().state(), id);
    }
  }

  private static Object answer(CompletableFuture<Boolean> f) throws Exception {
    try {
      return f.get(20, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    }
  }

  private static Lease lease(List<ClaimedDelivery> claimed, String id) {
    return claimed.stream()
        .filter(c -> c.delivery().id().equals(id))
        .findFirst()
        .orElseThrow()
        .lease();
  }
}
