package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.ok;
import static dev.hookline.store.jdbc.Fixtures.pending;
import static dev.hookline.store.jdbc.Fixtures.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryState;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two outcomes under one lease in one grouped outcome write (a {@code completeAsync} and then a
 * {@code complete} for the same lease, or two threads finishing one lease at once): PostgreSQL's
 * {@code UPDATE ... FROM unnest(...)} updates the row once, with whichever of the two source rows
 * it meets first, and returns it once; the store mapped the returned row back to every outcome with
 * that delivery id and token, so both callers were told "recorded" though only one outcome was
 * written, and which one was arbitrary. As when the two calls come one after the other (and as in
 * the in-memory store), the first outcome is recorded and each later one is answered false: the
 * lease is no longer current.
 */
class SameLeaseOutcomesInOneWriteTest {
  private static final String SCHEMA = "same_lease_outcomes";
  private static final SimpleConnectionPool DS =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 8);

  private final ExecutorService threads = Executors.newCachedThreadPool();
  private PostgresStore store;
  private ClaimedDelivery held;
  private ClaimedDelivery twice;

  @BeforeEach
  void setUp() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    store = EmbeddedDb.store(DS, SCHEMA);
    store.insertWebhook(webhook("wh_a", T0));
    store.enqueue(
        List.of(
            pending("dlv_held", "wh_a", "evt_0", T0), pending("dlv_twice", "wh_a", "evt_1", T0)));
    List<ClaimedDelivery> claimed =
        store.claim(ClaimRequest.of("w", T0, Duration.ofMinutes(5), 10));
    assertEquals(2, claimed.size());
    held = byId(claimed, "dlv_held");
    twice = byId(claimed, "dlv_twice");
  }

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  @AfterAll
  static void cleanUp() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    DS.close();
  }

  @Test
  void anAsyncOutcomeThenAWaitingOneForTheSameLeaseRecordTheFirstOnly() throws Exception {
    Attempt first = ok(1, T0);
    Attempt second = Attempt.response(1, T0, Duration.ofMillis(9), 202, "second");
    try (Connection holder = DS.getConnection()) {
      Future<Boolean> leader = holdTheWrite(holder);
      CompletableFuture<Boolean> async =
          store.completeAsync(twice.lease(), first, T0).toCompletableFuture();
      Future<Boolean> waiting =
          waitingCaller(() -> store.complete(twice.lease(), second, T0), "complete");
      holder.commit(); // the held write goes; the next carries both outcomes of dlv_twice

      assertTrue(leader.get(20, TimeUnit.SECONDS));
      assertTrue(async.get(20, TimeUnit.SECONDS), "the first outcome is recorded");
      assertFalse(
          waiting.get(20, TimeUnit.SECONDS),
          "the second outcome was not recorded: its lease was no longer current");
    }
    Delivery d = store.findDelivery("dlv_twice").orElseThrow();
    assertEquals(DeliveryState.SUCCEEDED, d.state());
    assertEquals(List.of(first), d.attempts(), "the first outcome's attempt, once");
  }

  @Test
  void twoWaitingCallersFinishingOneLeaseRecordTheFirstOnly() throws Exception {
    Attempt failed = Attempt.response(1, T0, Duration.ofMillis(9), 500, "down");
    try (Connection holder = DS.getConnection()) {
      Future<Boolean> leader = holdTheWrite(holder);
      Future<Boolean> failing = waitingCaller(() -> store.fail(twice.lease(), failed, T0), "fail");
      Future<Boolean> completing =
          waitingCaller(() -> store.complete(twice.lease(), ok(1, T0), T0), "complete");
      holder.commit();

      assertTrue(leader.get(20, TimeUnit.SECONDS));
      assertTrue(failing.get(20, TimeUnit.SECONDS), "the first outcome is recorded");
      assertFalse(completing.get(20, TimeUnit.SECONDS), "the second finds its lease gone");
    }
    Delivery d = store.findDelivery("dlv_twice").orElseThrow();
    assertEquals(DeliveryState.FAILED, d.state(), "the first outcome's state");
    assertEquals(List.of(failed), d.attempts());
  }

  /**
   * Starts a write of dlv_held's outcome that waits for {@code holder}'s lock on its row, so that
   * the outcomes submitted meanwhile queue for the next write, together.
   */
  private Future<Boolean> holdTheWrite(Connection holder) throws SQLException {
    holder.setAutoCommit(false);
    try (PreparedStatement ps =
        holder.prepareStatement(
            "SELECT 1 FROM \"" + SCHEMA + "\".deliveries WHERE id = 'dlv_held' FOR UPDATE")) {
      ps.executeQuery().close();
    }
    Future<Boolean> leader = threads.submit(() -> store.complete(held.lease(), ok(1, T0), T0));
    Poll.until(
        Duration.ofSeconds(10), () -> EmbeddedDb.outcomeWritesWaiting(DS) == 1, "the write waits");
    return leader;
  }

  /**
   * Runs a call on its own thread and returns once that thread waits for its answer: the write in
   * progress does not hold the group commit's lock, so a waiting caller is a queued one.
   */
  private Future<Boolean> waitingCaller(java.util.concurrent.Callable<Boolean> call, String what) {
    AtomicReference<Thread> thread = new AtomicReference<>();
    Future<Boolean> f =
        threads.submit(
            () -> {
              thread.set(Thread.currentThread());
              return call.call();
            });
    Poll.until(
        Duration.ofSeconds(10),
        () -> thread.get() != null && thread.get().getState() == Thread.State.WAITING,
        what + " waits for the next write");
    return f;
  }

  private static ClaimedDelivery byId(List<ClaimedDelivery> claimed, String id) {
    return claimed.stream().filter(c -> c.delivery().id().equals(id)).findFirst().orElseThrow();
  }
}
