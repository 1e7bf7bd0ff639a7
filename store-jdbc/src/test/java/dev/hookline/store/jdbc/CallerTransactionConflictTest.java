package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.pending;
import static dev.hookline.store.jdbc.Fixtures.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A caller's open transaction that enqueued an event (the transactional outbox) must not stall
 * unrelated publishes. A plain publish of the same event to the same webhook waits for that
 * transaction to end (its insert waits on the caller's uncommitted rows), as it must; it used to
 * wait inside the group commit's flush, so every publish grouped with it, and every publish queued
 * behind that flush, waited with it for as long as the caller's transaction stayed open.
 */
class CallerTransactionConflictTest {
  private static final String SCHEMA = "caller_tx_conflict";
  private static final int UNRELATED = 8;

  /** How long an unrelated publish may take while the caller's transaction is open. */
  private static final long PROMPT_SECONDS = 5;

  private static final SimpleConnectionPool POOL =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), UNRELATED + 8);

  /** Counts borrows through the store; the first borrow after a gate is set waits for it. */
  private final AtomicInteger borrows = new AtomicInteger();

  private volatile CountDownLatch gate = new CountDownLatch(0);
  private volatile CountDownLatch leaderInside = new CountDownLatch(0);
  private final List<Thread> threads = new ArrayList<>();
  private PostgresStore store;

  @BeforeEach
  void setUp() {
    store = EmbeddedDb.store(gated(POOL), SCHEMA);
    EmbeddedDb.truncate(POOL, SCHEMA);
    store.insertWebhook(webhook("wh_a", T0));
    store.insertWebhook(webhook("wh_b", T0));
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    gate.countDown();
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(30));
    }
  }

  @AfterAll
  static void dropSchema() {
    EmbeddedDb.dropSchema(POOL, SCHEMA);
    POOL.close();
  }

  private DataSource gated(DataSource ds) {
    return (DataSource)
        Proxy.newProxyInstance(
            DataSource.class.getClassLoader(),
            new Class<?>[] {DataSource.class},
            (proxy, method, args) -> {
              if (method.getName().equals("getConnection")
                  && gate.getCount() > 0
                  && borrows.incrementAndGet() == 1) {
                leaderInside.countDown();
                if (!gate.await(30, TimeUnit.SECONDS)) {
                  throw new IllegalStateException("gate never opened");
                }
              }
              try {
                return method.invoke(ds, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  /**
   * Publishes on a thread of its own (not a shared pool: a stalled publish must not hold others).
   */
  private CompletableFuture<List<Delivery>> publish(
      String deliveryId, String webhookId, String ev) {
    CompletableFuture<List<Delivery>> f = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                f.complete(store.enqueue(List.of(pending(deliveryId, webhookId, ev, T0))));
              } catch (RuntimeException | Error e) {
                f.completeExceptionally(e);
              }
            },
            "publish-" + deliveryId);
    threads.add(t);
    t.start();
    return f;
  }

  private static long waitingOnALock() {
    return EmbeddedDb.count(
        POOL,
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            + " AND query LIKE 'WITH dv AS%'");
  }

  private static void assertPrompt(List<CompletableFuture<List<Delivery>>> unrelated)
      throws InterruptedException, ExecutionException {
    for (int i = 0; i < unrelated.size(); i++) {
      try {
        assertEquals(1, unrelated.get(i).get(PROMPT_SECONDS, TimeUnit.SECONDS).size());
      } catch (TimeoutException e) {
        throw new AssertionError(
            "unrelated publish "
                + i
                + " did not return within "
                + PROMPT_SECONDS
                + " s while a caller's transaction stayed open",
            e);
      }
    }
  }

  private List<Delivery> deliveriesOf(String eventId) {
    return store.findDeliveries(DeliveryQuery.builder().limit(1000).build()).stream()
        .filter(d -> d.event().id().equals(eventId))
        .toList();
  }

  /**
   * Alone in its flush, the conflicting publish held the flush, and so every publish queued behind
   * it; it still waits for the caller's transaction, and finds the caller's delivery once it
   * commits.
   */
  @Test
  void aLoneConflictingPublishWaitsWithoutHoldingUpOthers() throws Exception {
    try (Connection caller = POOL.getConnection()) {
      caller.setAutoCommit(false);
      try {
        assertEquals(
            1, store.enqueue(caller, List.of(pending("dlv_tx", "wh_a", "evt_1", T0))).size());
        CompletableFuture<List<Delivery>> same = publish("dlv_plain", "wh_a", "evt_1");
        Poll.until(
            Duration.ofSeconds(10),
            () -> waitingOnALock() > 0,
            "the plain publish of the same event waits for the caller's transaction");
        List<CompletableFuture<List<Delivery>>> unrelated = new ArrayList<>();
        for (int i = 0; i < UNRELATED; i++) {
          unrelated.add(publish("dlv_u" + i, "wh_b", "evt_u" + i));
        }
        assertPrompt(unrelated);
        assertFalse(same.isDone(), "the conflicting publish waits for the caller's transaction");
        caller.commit();
        assertTrue(
            same.get(10, TimeUnit.SECONDS).isEmpty(),
            "the caller's delivery was there first: the plain publish adds none");
      } finally {
        caller.rollback();
      }
    }
    List<Delivery> e1 = deliveriesOf("evt_1");
    assertEquals(1, e1.size(), "one delivery of the event to its webhook: " + e1);
    assertEquals("dlv_tx", e1.get(0).id());
    assertEquals(UNRELATED, store.countDeliveries("wh_b").total());
  }

  /**
   * Grouped with unrelated publishes into one joint statement, the conflicting publish held them
   * all; once the caller rolls back, its own delivery is written, exactly once.
   */
  @Test
  void aConflictingBatchInAJointWriteDoesNotHoldUpTheOthers() throws Exception {
    try (Connection caller = POOL.getConnection()) {
      caller.setAutoCommit(false);
      try {
        assertEquals(
            1, store.enqueue(caller, List.of(pending("dlv_tx", "wh_a", "evt_1", T0))).size());
        leaderInside = new CountDownLatch(1);
        gate = new CountDownLatch(1);
        borrows.set(0);
        // The first publish leads a flush held at the database's door; the others queue behind
        // it, and are then written together by one statement.
        CompletableFuture<List<Delivery>> first = publish("dlv_first", "wh_b", "evt_first");
        assertTrue(leaderInside.await(30, TimeUnit.SECONDS), "the first publish leads a flush");
        int queued = threads.size();
        CompletableFuture<List<Delivery>> same = publish("dlv_plain", "wh_a", "evt_1");
        List<CompletableFuture<List<Delivery>>> unrelated = new ArrayList<>();
        unrelated.add(first);
        for (int i = 0; i < UNRELATED; i++) {
          unrelated.add(publish("dlv_u" + i, "wh_b", "evt_u" + i));
        }
        Poll.until(
            Duration.ofSeconds(30),
            () -> threads.stream().skip(queued).allMatch(t -> t.getState() == Thread.State.WAITING),
            "every other publish waits for the next flush");
        gate.countDown();
        assertPrompt(unrelated);
        assertFalse(same.isDone(), "the conflicting publish waits for the caller's transaction");
        caller.rollback();
        assertEquals(
            List.of("dlv_plain"),
            same.get(10, TimeUnit.SECONDS).stream().map(Delivery::id).toList(),
            "the caller rolled back: the plain publish adds its own delivery");
      } finally {
        caller.rollback();
      }
    }
    List<Delivery> e1 = deliveriesOf("evt_1");
    assertEquals(1, e1.size(), "one delivery of the event to its webhook: " + e1);
    assertEquals("dlv_plain", e1.get(0).id());
    assertEquals(UNRELATED + 1, store.countDeliveries("wh_b").total());
  }

  /**
   * The grouped write's lock timeout is its own transaction's: the pool's next borrower finds the
   * session's setting as it was.
   */
  @Test
  void theGroupedWritesLockTimeoutDoesNotOutliveIt() throws Exception {
    try (SimpleConnectionPool one = SimpleConnectionPool.of(EmbeddedDb.dataSource(), 1)) {
      PostgresStore alone = EmbeddedDb.store(one, SCHEMA);
      assertEquals(1, alone.enqueue(List.of(pending("dlv_1", "wh_a", "evt_1", T0))).size());
      try (Connection c = one.getConnection();
          Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SHOW lock_timeout")) {
        assertTrue(rs.next());
        assertEquals("0", rs.getString(1));
      }
    }
  }
}
