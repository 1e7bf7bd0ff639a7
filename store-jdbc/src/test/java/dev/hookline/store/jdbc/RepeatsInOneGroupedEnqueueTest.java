package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.EventConflictException;
import dev.hookline.UserEvents;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Publishes that repeat each other (the same event, the same deliveries, another event under the
 * same id) or fail, written by one grouped enqueue statement. Each test holds a leader's write at
 * the database's door while its callers queue, in order, so that they all go into the next
 * statement; then each caller's answer is compared with what the in-memory store answers to the
 * same calls made one after the other in that order, and what is stored is checked: one delivery
 * per (event, webhook) pair, each one a caller was told of.
 */
class RepeatsInOneGroupedEnqueueTest {
  private static final String SCHEMA = "repeats_grouped_enqueue";
  private static final SimpleConnectionPool POOL =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 8);
  private static final List<String> WEBHOOKS = List.of("wh_1", "wh_2", "wh_3");

  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final AtomicInteger borrows = new AtomicInteger();

  /** Set: the next borrow waits for it (the leader's write, held while the callers queue). */
  private final AtomicReference<CountDownLatch> hold = new AtomicReference<>();

  private volatile CountDownLatch held = new CountDownLatch(1);
  private PostgresStore store;

  @BeforeEach
  void setUp() {
    EmbeddedDb.dropSchema(POOL, SCHEMA);
    store = EmbeddedDb.store(gated(POOL), SCHEMA);
    store.insertWebhook(Fixtures.webhook("wh_lead", T0));
    for (String w : WEBHOOKS) {
      store.insertWebhook(Fixtures.webhook(w, T0));
    }
  }

  @AfterEach
  void tearDown() {
    CountDownLatch h = hold.getAndSet(null);
    if (h != null) {
      h.countDown();
    }
    threads.shutdownNow();
  }

  @AfterAll
  static void dropSchema() {
    EmbeddedDb.dropSchema(POOL, SCHEMA);
    POOL.close();
  }

  // ---- the same event from two callers ----

  @Test
  void twoPublishesOfOneEventToOverlappingWebhooksAddEachPairOnce() throws Exception {
    Event e = event("evt_1", "x");
    List<Object> answers =
        together(
            s -> s.enqueue(List.of(dlv("dlv_a1", "wh_1", e), dlv("dlv_a2", "wh_2", e))),
            s -> s.enqueue(List.of(dlv("dlv_b2", "wh_2", e), dlv("dlv_b3", "wh_3", e))));

    assertEquals(1, jointStatements, "both publishes went into one statement");
    // Which of the two gets wh_2 is PostgreSQL's choice (here the later caller's row is the one
    // inserted): either way each pair is added once, and each caller is told exactly its own.
    Map<String, String> told = new TreeMap<>();
    for (Object a : answers) {
      for (Object o : (List<?>) a) {
        Delivery d = (Delivery) o;
        assertEquals(null, told.put(d.webhookId(), d.id()), "two callers told of " + d.webhookId());
      }
    }
    assertEquals(Set.of("wh_1", "wh_2", "wh_3"), told.keySet(), "every pair added: " + told);
    assertEquals("dlv_a1", told.get("wh_1"));
    assertEquals("dlv_b3", told.get("wh_3"));
    assertStored(answers, told, "evt_1");
  }

  @Test
  void theSameDeliveriesPublishedTwiceAreAddedForTheFirstCallerOnly() throws Exception {
    // A publish retried from another thread with the same prepared batch, or two relays that
    // derive delivery ids from the event and the webhook.
    Event e = event("evt_1", "x");
    List<Delivery> batch = List.of(dlv("dlv_1", "wh_1", e), dlv("dlv_2", "wh_2", e));
    List<Object> answers = together(s -> s.enqueue(batch), s -> s.enqueue(batch));

    assertEquals(List.of("[dlv_1, dlv_2]", "[]"), shown(answers), "one caller added them");
    assertEquals(inMemory(answers), shown(answers));
    assertStored(answers, Map.of("wh_1", "dlv_1", "wh_2", "dlv_2"), "evt_1");
  }

  @Test
  void aDeliveryIdAnotherCallerAddedIsNotAddedAgainForAnotherWebhook() throws Exception {
    Event first = event("evt_1", "x");
    Event second = event("evt_2", "y");
    List<Object> answers =
        together(
            s -> s.enqueue(List.of(dlv("dlv_1", "wh_1", first))),
            s -> s.enqueue(List.of(dlv("dlv_1", "wh_2", second), dlv("dlv_2", "wh_3", second))));

    assertEquals(List.of("[dlv_1]", "[dlv_2]"), shown(answers));
    assertEquals(inMemory(answers), shown(answers));
    Delivery stored = store.findDelivery("dlv_1").orElseThrow();
    assertEquals("wh_1", stored.webhookId(), "the first caller's delivery is the one stored");
    assertEquals("evt_1", stored.event().id());
    assertStored(answers, Map.of("wh_3", "dlv_2"), "evt_2");
  }

  @Test
  void aDeliveryClaimedOnEnqueueThatAnotherCallerAddedIsNotHandedToTheSecond() throws Exception {
    Event e = event("evt_1", "x");
    List<Delivery> batch = List.of(dlv("dlv_1", "wh_1", e));
    ClaimRequest lease = ClaimRequest.of("dispatcher-b", T0, Duration.ofMinutes(1), 10);
    List<Object> answers =
        together(s -> s.enqueue(batch), s -> s.enqueueClaiming(batch, Set.of("dlv_1"), lease));

    assertEquals(List.of("[dlv_1]", "[]"), shown(answers), "nothing is handed to the second");
    assertEquals(inMemory(answers), shown(answers));
    Delivery stored = store.findDelivery("dlv_1").orElseThrow();
    assertEquals(DeliveryState.PENDING, stored.state(), "queued, as the first caller was told");
  }

  @Test
  void anotherEventUnderTheSameIdIsRefusedForTheLaterCallerOnly() throws Exception {
    Event mine = event("evt_1", "x");
    Event other = event("evt_1", "y");
    List<Object> answers =
        together(
            s -> s.enqueue(List.of(dlv("dlv_a", "wh_1", mine))),
            s -> s.enqueue(List.of(dlv("dlv_b", "wh_2", other))),
            s -> s.enqueue(List.of(dlv("dlv_c", "wh_3", mine))));

    assertEquals(List.of("[dlv_a]", "EventConflictException", "[dlv_c]"), shown(answers));
    assertEquals(inMemory(answers), shown(answers));
    assertEquals("evt_1", ((EventConflictException) answers.get(1)).eventId());
    assertStored(answers, Map.of("wh_1", "dlv_a", "wh_3", "dlv_c"), "evt_1");
    assertEquals(mine, store.findDelivery("dlv_c").orElseThrow().event(), "the first's content");
  }

  // ---- one call carrying an event twice ----

  @Test
  void oneCallCarryingAnEventTwiceAddsItOnceAndOtherContentFailsOnlyThatCall() throws Exception {
    Event e = event("evt_1", "x");
    Event f = event("evt_2", "x");
    Event fOther = event("evt_2", "y");
    Event g = event("evt_3", "x");
    List<Object> answers =
        together(
            s -> s.enqueue(List.of(dlv("dlv_e1", "wh_1", e), dlv("dlv_e1b", "wh_1", e))),
            s -> s.enqueue(List.of(dlv("dlv_f1", "wh_1", f), dlv("dlv_f2", "wh_2", fOther))),
            s -> s.enqueue(List.of(dlv("dlv_g1", "wh_1", g))));

    assertEquals(List.of("[dlv_e1]", "EventConflictException", "[dlv_g1]"), shown(answers));
    assertEquals(inMemory(answers), shown(answers));
    assertStored(answers, Map.of("wh_1", "dlv_e1"), "evt_1");
    assertStored(answers, Map.of(), "evt_2");
    assertStored(answers, Map.of("wh_1", "dlv_g1"), "evt_3");
  }

  // ---- a failing request among good ones ----

  @Test
  void aRequestThatFailsFailsAloneAndTheOthersAreWrittenAndAnswered() throws Exception {
    Event stored = event("evt_stored", "x");
    store.enqueue(List.of(dlv("dlv_0", "wh_1", stored)));
    Event good = event("evt_good", "x");
    Event gone = event("evt_gone", "x");
    Event nul = event("evt_nul", "x").toBuilder().user("user\u0000").build();
    List<Object> answers =
        together(
            s -> s.enqueue(List.of(dlv("dlv_g", "wh_1", good))),
            // A webhook deleted after the publish matched it (no row left): skipped, the rest goes.
            s -> s.enqueue(List.of(dlv("dlv_x", "wh_deleted", gone), dlv("dlv_y", "wh_2", gone))),
            s -> s.enqueue(List.of(dlv("dlv_c", "wh_2", event("evt_stored", "y")))),
            s -> s.enqueue(List.of(dlv("dlv_n", "wh_3", nul))));

    assertEquals("[dlv_g]", shown(answers.get(0)));
    assertEquals("[dlv_y]", shown(answers.get(1)));
    assertInstanceOf(EventConflictException.class, answers.get(2));
    StoreException e = assertInstanceOf(StoreException.class, answers.get(3));
    assertEquals(StoreException.Reason.FAILED, e.reason());
    assertTrue(e.getMessage().contains("enqueue 1 deliveries"), e.getMessage());
    assertStored(answers, Map.of("wh_1", "dlv_g"), "evt_good");
    assertStored(answers, Map.of("wh_2", "dlv_y"), "evt_gone");
    assertStored(answers, Map.of("wh_1", "dlv_0"), "evt_stored");
    assertStored(answers, Map.of(), "evt_nul");
  }

  @Test
  void aDeliveryBeyondPostgresLimitsFailsOnlyItsOwnCaller() throws Exception {
    // An id longer than a btree index entry may be (program_limit_exceeded, 54000): the in-memory
    // store takes it, PostgreSQL refuses it, and that must be this caller's failure alone.
    Random random = new Random(42);
    byte[] bytes = new byte[4000];
    random.nextBytes(bytes);
    String huge = "dlv_" + java.util.Base64.getUrlEncoder().encodeToString(bytes);
    Event good = event("evt_good", "x");
    Event big = event("evt_big", "x");
    List<Object> answers =
        together(
            s -> s.enqueue(List.of(dlv("dlv_g", "wh_1", good))),
            s -> s.enqueue(List.of(dlv(huge, "wh_2", big))),
            s -> s.enqueue(List.of(dlv("dlv_h", "wh_3", good))));

    assertEquals("[dlv_g]", shown(answers.get(0)), "not failed by another caller's delivery");
    StoreException e = assertInstanceOf(StoreException.class, answers.get(1));
    assertEquals("54000", e.sqlState().orElse(""), e.getMessage());
    assertTrue(e.getMessage().contains("enqueue 1 deliveries"), "its own write's: " + e);
    assertEquals("[dlv_h]", shown(answers.get(2)));
    assertStored(answers, Map.of("wh_1", "dlv_g", "wh_3", "dlv_h"), "evt_good");
  }

  // ---- helpers ----

  /** Statements borrowed for the callers in the last {@link #together} (not the leader's). */
  private int jointStatements;

  private final List<Function<Store, Object>> lastCalls = new ArrayList<>();

  /**
   * Makes the calls from threads of their own, in order, into one grouped write: a leader's write
   * is held at the database's door until every caller waits in the queue behind it. Returns each
   * call's answer: its added deliveries, or what it threw.
   */
  @SafeVarargs
  private List<Object> together(Function<Store, List<Delivery>>... calls) throws Exception {
    lastCalls.clear();
    CountDownLatch release = new CountDownLatch(1);
    held = new CountDownLatch(1);
    hold.set(release);
    Future<List<Delivery>> leader =
        threads.submit(() -> store.enqueue(List.of(dlv("dlv_lead", "wh_lead", event("e", "x")))));
    assertTrue(held.await(30, TimeUnit.SECONDS), "the leader's write is held");
    List<Future<Object>> futures = new ArrayList<>();
    for (int i = 0; i < calls.length; i++) {
      Function<Store, List<Delivery>> call = calls[i];
      lastCalls.add(call::apply);
      AtomicReference<Thread> thread = new AtomicReference<>();
      futures.add(
          threads.submit(
              () -> {
                thread.set(Thread.currentThread());
                try {
                  return call.apply(store);
                } catch (RuntimeException e) {
                  return e;
                }
              }));
      int caller = i;
      Poll.until(
          Duration.ofSeconds(10),
          () -> thread.get() != null && queued(thread.get()),
          () -> "caller " + caller + " waits for the next write");
    }
    int before = borrows.get();
    release.countDown();
    assertEquals(1, leader.get(30, TimeUnit.SECONDS).size(), "the leader's delivery");
    List<Object> answers = new ArrayList<>();
    for (Future<Object> f : futures) {
      answers.add(f.get(30, TimeUnit.SECONDS));
    }
    jointStatements = borrows.get() - before;
    return answers;
  }

  /** Waits on its own condition in the group commit: queued for the next write. */
  private static boolean queued(Thread t) {
    StackTraceElement[] stack = t.getStackTrace();
    return t.getState() == Thread.State.WAITING
        && Arrays.stream(stack).anyMatch(f -> f.getMethodName().equals("await"))
        && Arrays.stream(stack).anyMatch(f -> f.getClassName().endsWith(".GroupCommit"));
  }

  /** The answers of the in-memory store to the last calls, made one after the other. */
  private List<String> inMemory(List<Object> postgresAnswers) {
    InMemoryStore memory = new InMemoryStore();
    for (String w : WEBHOOKS) {
      memory.insertWebhook(Fixtures.webhook(w, T0));
    }
    List<Object> answers = new ArrayList<>();
    for (Function<Store, Object> call : lastCalls) {
      try {
        answers.add(call.apply(memory));
      } catch (RuntimeException e) {
        answers.add(e);
      }
    }
    assertEquals(postgresAnswers.size(), answers.size());
    return shown(answers);
  }

  private static List<String> shown(List<Object> answers) {
    return answers.stream().map(RepeatsInOneGroupedEnqueueTest::shown).toList();
  }

  private static String shown(Object answer) {
    if (answer instanceof List<?> added) {
      return added.stream()
          .map(d -> ((Delivery) d).id())
          .sorted()
          .collect(Collectors.joining(", ", "[", "]"));
    }
    return answer.getClass().getSimpleName();
  }

  /**
   * The event's stored deliveries are exactly {@code expected} (webhook to delivery id), and every
   * delivery a caller was told it added is stored as that caller's: same id, webhook and event.
   */
  private void assertStored(List<Object> answers, Map<String, String> expected, String eventId) {
    Map<String, String> stored = new TreeMap<>();
    for (Delivery d : store.findDeliveries(DeliveryQuery.builder().event(eventId).build())) {
      assertEquals(null, stored.put(d.webhookId(), d.id()), "two deliveries to " + d.webhookId());
    }
    assertEquals(new TreeMap<>(expected), stored, eventId + ": webhook to delivery");
    for (Object a : answers) {
      if (a instanceof List<?> added) {
        for (Object o : added) {
          Delivery told = (Delivery) o;
          Delivery s = store.findDelivery(told.id()).orElseThrow(() -> new AssertionError(told));
          assertEquals(told.webhookId(), s.webhookId(), "told " + told.id());
          assertEquals(told.event().id(), s.event().id(), "told " + told.id());
        }
      }
    }
  }

  private static Delivery dlv(String id, String webhookId, Event e) {
    return Delivery.pending(id, webhookId, e, T0);
  }

  private static Event event(String id, String data) {
    return Event.builder(UserEvents.CREATED)
        .id(id)
        .occurredAt(T0)
        .user("u1")
        .data(JsonNodeFactory.instance.objectNode().put("v", data))
        .build();
  }

  private DataSource gated(DataSource ds) {
    return (DataSource)
        Proxy.newProxyInstance(
            DataSource.class.getClassLoader(),
            new Class<?>[] {DataSource.class},
            (proxy, method, args) -> {
              if (method.getName().equals("getConnection")) {
                borrows.incrementAndGet();
                CountDownLatch release = hold.getAndSet(null);
                if (release != null) {
                  held.countDown();
                  if (!release.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the held write was never released");
                  }
                }
              }
              try {
                return method.invoke(ds, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }
}
