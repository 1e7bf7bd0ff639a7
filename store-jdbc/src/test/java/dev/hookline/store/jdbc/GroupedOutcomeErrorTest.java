package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.DeliveryState;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.spi.Lease;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A grouped outcome write that ends in an Error (a StackOverflowError in the driver, here thrown
 * where the statement is prepared). The worker that led it for other workers' outcomes, its own
 * outcome recorded by an earlier write, was thrown that Error instead of its own answer, so it took
 * its recorded outcome for a failure. Now each caller gets one answer for its own outcome: the
 * caller whose own outcome was in the write gets the Error, the others of the write a failure
 * caused by it, and the leader of another's write its own answer; the next outcome is written.
 */
class GroupedOutcomeErrorTest {
  private static final String SCHEMA = "grouped_outcome_error";
  private static final SimpleConnectionPool POOL =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 8);

  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final StackOverflowError overflow = new StackOverflowError("simulated");
  private volatile boolean broken;
  private PostgresStore store;
  private List<ClaimedDelivery> claimed;

  @BeforeEach
  void setUp() {
    EmbeddedDb.dropSchema(POOL, SCHEMA);
    store =
        PostgresStore.builder(breaking(POOL))
            .schema(SCHEMA)
            .secretCipher(EmbeddedDb.cipher())
            .build();
    claimed = Fixtures.claimThree(store);
  }

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  @AfterAll
  static void cleanUp() {
    EmbeddedDb.dropSchema(POOL, SCHEMA);
    POOL.close();
  }

  @Test
  void theLeaderOfAnotherWorkersWriteThatEndsInAnErrorGetsItsOwnAnswer() throws Exception {
    Future<Boolean> leader;
    CompletableFuture<Boolean> other;
    try (Connection holder = POOL.getConnection()) {
      leader = holdTheWrite(holder, "dlv_0");
      // Queued behind the held write; its leader carries it once its own is written.
      other = store.completeAsync(lease("dlv_1"), ok(1, T0), T0).toCompletableFuture();
      broken = true; // the held write is prepared already: only the next one breaks
      holder.commit();
    }
    assertTrue(
        answer(leader),
        "the leader's own outcome was recorded; the Error was of the write it led for dlv_1");
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> other.get(20, TimeUnit.SECONDS));
    assertInstanceOf(IllegalStateException.class, e.getCause());
    assertSame(overflow, e.getCause().getCause(), "dlv_1's caller learns of the Error");
    assertEquals(DeliveryState.SUCCEEDED, state("dlv_0"));
    assertEquals(DeliveryState.IN_FLIGHT, state("dlv_1"), "not recorded: sent again later");

    broken = false;
    assertTrue(store.complete(lease("dlv_1"), ok(1, T0), T0), "the next caller leads a write");
  }

  @Test
  void theLeaderWhoseOwnOutcomeIsInTheWriteGetsTheErrorAndTheOthersAFailureCausedByIt()
      throws Exception {
    Future<Boolean> leader;
    Future<Boolean> next;
    CompletableFuture<Boolean> other;
    try (Connection holder = POOL.getConnection()) {
      leader = holdTheWrite(holder, "dlv_0");
      // Both queued behind the held write; the waiting caller leads the next write, of both.
      next = waitingCaller(() -> store.complete(lease("dlv_1"), ok(1, T0), T0));
      other = store.completeAsync(lease("dlv_2"), ok(1, T0), T0).toCompletableFuture();
      broken = true;
      holder.commit();
    }
    assertTrue(answer(leader));
    ExecutionException own =
        assertThrows(ExecutionException.class, () -> next.get(20, TimeUnit.SECONDS));
    assertSame(overflow, own.getCause(), "the leader of the broken write gets its Error");
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> other.get(20, TimeUnit.SECONDS));
    assertInstanceOf(IllegalStateException.class, e.getCause());
    assertSame(overflow, e.getCause().getCause());
    assertEquals(DeliveryState.IN_FLIGHT, state("dlv_1"));
    assertEquals(DeliveryState.IN_FLIGHT, state("dlv_2"));

    broken = false;
    assertTrue(store.complete(lease("dlv_2"), ok(1, T0), T0), "the next caller leads a write");
  }

  /** A DataSource whose outcome statements fail with {@link #overflow} while {@link #broken}. */
  private DataSource breaking(DataSource target) {
    return (DataSource)
        Proxy.newProxyInstance(
            DataSource.class.getClassLoader(),
            new Class<?>[] {DataSource.class},
            (proxy, method, args) -> {
              Object result = invoke(target, method, args);
              return result instanceof Connection c ? breaking(c) : result;
            });
  }

  private Connection breaking(Connection target) {
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              if (broken
                  && method.getName().equals("prepareStatement")
                  && String.valueOf(args[0]).contains("d SET state = v.state")) {
                throw overflow;
              }
              return invoke(target, method, args);
            });
  }

  private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args)
      throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  /**
   * Starts a write of one delivery's outcome that waits for {@code holder}'s lock on its row, so
   * that the outcomes submitted meanwhile queue for the next write.
   */
  private Future<Boolean> holdTheWrite(Connection holder, String id) throws SQLException {
    holder.setAutoCommit(false);
    try (PreparedStatement ps =
        holder.prepareStatement(
            "SELECT 1 FROM \"" + SCHEMA + "\".deliveries WHERE id = ? FOR UPDATE")) {
      ps.setString(1, id);
      ps.executeQuery().close();
    }
    Future<Boolean> leader = threads.submit(() -> store.complete(lease(id), ok(1, T0), T0));
    Poll.until(
        Duration.ofSeconds(10),
        () -> EmbeddedDb.outcomeWritesWaiting(POOL) == 1,
        "the write waits");
    return leader;
  }

  /** Runs a call on its own thread and returns once that thread waits for its answer. */
  private Future<Boolean> waitingCaller(java.util.concurrent.Callable<Boolean> call) {
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
        "the caller waits for the next write");
    return f;
  }

  private static boolean answer(Future<Boolean> f) throws Exception {
    return f.get(20, TimeUnit.SECONDS);
  }

  private Lease lease(String id) {
    return claimed.stream()
        .filter(c -> c.delivery().id().equals(id))
        .findFirst()
        .orElseThrow()
        .lease();
  }

  private DeliveryState state(String id) {
    return store.findDelivery(id).orElseThrow().state();
  }
}
