package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Publishes from many threads at once are written together (group commit): fewer statements than
 * callers, each caller gets exactly its own deliveries back, and one caller's failing batch fails
 * only that caller (the joint statement fails, and each batch is then written on its own). A claim
 * reads an event shared by several deliveries once.
 */
class GroupEnqueueTest {
  private static final String SCHEMA = "group_enqueue";
  private static final int CALLERS = 12;
  private static final Instant NOW = Fixtures.T0;
  private static final SimpleConnectionPool POOL =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), CALLERS + 4);

  /** Counts borrows while {@code counting}; the first borrow after {@code gate} is set waits. */
  private final AtomicInteger borrows = new AtomicInteger();

  private volatile boolean counting;

  /** While set, every borrow fails as if the database were unreachable (after the gate). */
  private volatile boolean down;

  private volatile CountDownLatch gate = new CountDownLatch(0);
  private final CountDownLatch leaderInside = new CountDownLatch(1);
  private PostgresStore store;

  @BeforeEach
  void setUp() {
    store = EmbeddedDb.store(gated(POOL), SCHEMA);
    EmbeddedDb.truncate(POOL, SCHEMA);
    store.insertWebhook(Fixtures.webhook("wh_a", NOW));
    store.insertWebhook(Fixtures.webhook("wh_b", NOW));
    counting = true;
  }

  @AfterEach
  void tearDown() {
    counting = false;
    gate.countDown();
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
              if (counting && method.getName().equals("getConnection")) {
                if (borrows.incrementAndGet() == 1) {
                  leaderInside.countDown();
                  if (!gate.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("gate never opened");
                  }
                }
                if (down) {
                  throw new java.sql.SQLTransientConnectionException(
                      "database unreachable (simulated)", "08001");
                }
              }
              try {
                return method.invoke(ds, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  private static List<Delivery> batch(int caller, String userId) {
    Event e =
        Event.builder(UserEvents.CREATED)
            .id("evt_" + caller)
            .occurredAt(NOW)
            .user(userId)
            .data(JsonNodeFactory.instance.objectNode().put("n", caller))
            .build();
    return List.of(
        Delivery.pending("dlv_" + caller + "_a", "wh_a", e, NOW),
        Delivery.pending("dlv_" + caller + "_b", "wh_b", e, NOW));
  }

  /**
   * Caller 0 leads a flush that is held at the database's door; the other callers arrive meanwhile
   * and wait for the next flush; then the door opens. With {@code poisoned} set, that caller's
   * event has a user id PostgreSQL refuses (a NUL character), so the joint statement fails.
   */
  private AtomicReferenceArray<Object> publishTogether(int poisoned) throws Exception {
    gate = new CountDownLatch(1);
    AtomicReferenceArray<Object> results = new AtomicReferenceArray<>(CALLERS);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < CALLERS; i++) {
      int caller = i;
      Thread t =
          new Thread(
              () -> {
                try {
                  results.set(
                      caller,
                      store.enqueue(
                          batch(
                              caller, caller == poisoned ? "user\u0000" + caller : "u" + caller)));
                } catch (RuntimeException e) {
                  results.set(caller, e);
                }
              },
              "publisher-" + caller);
      threads.add(t);
      t.start();
      if (caller == 0) {
        assertTrue(leaderInside.await(30, TimeUnit.SECONDS), "the first caller leads a flush");
      }
    }
    Poll.until(
        Duration.ofSeconds(30),
        () -> threads.stream().skip(1).allMatch(t -> t.getState() == Thread.State.WAITING),
        "every other caller waits for the next flush");
    gate.countDown();
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(30));
    }
    return results;
  }

  @Test
  void concurrentPublishesShareStatementsAndEachGetsItsOwnDeliveries() throws Exception {
    AtomicReferenceArray<Object> results = publishTogether(-1);
    for (int i = 0; i < CALLERS; i++) {
      Object r = results.get(i);
      assertInstanceOf(List.class, r, "caller " + i + ": " + r);
      List<?> added = (List<?>) r;
      assertEquals(2, added.size(), "caller " + i);
      for (Object d : added) {
        assertTrue(((Delivery) d).id().startsWith("dlv_" + i + "_"), "caller " + i + ": " + d);
      }
    }
    assertEquals(
        2 * CALLERS,
        store.findDeliveries(DeliveryQuery.builder().limit(1000).build()).size(),
        "every delivery stored once");
    // The leader's flush, then one (or, should a caller have been slow to queue, a few) for all
    // the others: one statement per caller would be 12.
    assertTrue(borrows.get() <= 4, "statements: " + borrows.get());
  }

  @Test
  void aClaimReadsAnEventFannedOutToManyWebhooksOnce() {
    store.enqueue(batch(1, "u1"));
    List<ClaimedDelivery> claimed =
        store.claim(ClaimRequest.of("w", NOW, Duration.ofSeconds(30), 10));
    assertEquals(2, claimed.size());
    assertSame(
        claimed.get(0).delivery().event(),
        claimed.get(1).delivery().event(),
        "one Event object for both deliveries: its data parsed once, its body written once");
  }

  @Test
  void anOutageFailsEveryCallerOnceInsteadOfRetryingEachBatchAlone() throws Exception {
    down = true;
    AtomicReferenceArray<Object> results = publishTogether(-1);
    for (int i = 0; i < CALLERS; i++) {
      Object r = results.get(i);
      assertInstanceOf(StoreException.class, r, "caller " + i + ": " + r);
      assertEquals(StoreException.Reason.UNAVAILABLE, ((StoreException) r).reason());
    }
    // The leader's own write, then one joint write for the others (or a few, should a caller have
    // been slow to queue); retrying each batch alone would be 13 borrows, each a connection
    // timeout against a real pool.
    assertTrue(borrows.get() <= 4, "borrows: " + borrows.get());
  }

  @Test
  void aFailingBatchFailsOnlyItsOwnCaller() throws Exception {
    int poisoned = 5;
    AtomicReferenceArray<Object> results = publishTogether(poisoned);
    assertInstanceOf(StoreException.class, results.get(poisoned), "the poisoned caller fails");
    for (int i = 0; i < CALLERS; i++) {
      if (i == poisoned) {
        continue;
      }
      Object r = results.get(i);
      assertInstanceOf(List.class, r, "caller " + i + " is not failed by another's batch: " + r);
      assertEquals(2, ((List<?>) r).size(), "caller " + i);
    }
    List<Delivery> stored = store.findDeliveries(DeliveryQuery.builder().limit(1000).build());
    assertEquals(2 * (CALLERS - 1), stored.size());
    assertNull(
        stored.stream()
            .filter(d -> d.id().startsWith("dlv_" + poisoned + "_"))
            .findAny()
            .orElse(null),
        "nothing of the failed batch was stored");
  }
}
