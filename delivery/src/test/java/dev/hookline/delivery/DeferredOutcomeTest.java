package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.spy;

import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryCounts;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.spi.Lease;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.LoopbackSink;
import dev.hookline.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A Store that answers successful outcomes later ({@code Store.completeAsync}, as PostgreSQL's
 * grouped outcome write does): the worker goes on to its next attempt without waiting for the
 * answer, the listener is told only once the outcome is recorded, the dispatcher is idle ({@code
 * runDueNow} returns, {@code close} ends) only once every outcome was answered, an outcome the
 * Store fails to record is sent again rather than lost, and with an observer the worker does not
 * wait either: its scope is told the success on the attempt's own thread before the outcome is
 * handed to the Store, while the listener still hears of it only once recorded.
 */
class DeferredOutcomeTest {
  /** A successful outcome handed to the Store, not answered until the test says so. */
  private record Held(
      Lease lease, Attempt attempt, Instant now, CompletableFuture<Boolean> answer) {}

  private final InMemoryStore store = spy(new InMemoryStore());
  private final Harness harness = new Harness(store);
  private final ManualClock clock = harness.clock;
  private final List<Held> held = new CopyOnWriteArrayList<>();
  private final AtomicInteger succeeded = new AtomicInteger();
  private final ExecutorService background = Executors.newCachedThreadPool();

  /** The dispatchers' workers, named so that this test can find them. */
  private final ExecutorService workers =
      Executors.newCachedThreadPool(r -> new Thread(r, WORKER_NAME));

  private static final String WORKER_NAME = "deferred-outcome-test-worker";
  private volatile boolean deferring = true;
  private LoopbackSink sink;
  private Webhook webhook;

  @BeforeEach
  void setUp() throws Exception {
    doAnswer(
            inv -> {
              if (!deferring) {
                return inv.callRealMethod();
              }
              CompletableFuture<Boolean> answer = new CompletableFuture<>();
              held.add(
                  new Held(inv.getArgument(0), inv.getArgument(1), inv.getArgument(2), answer));
              return answer;
            })
        .when(store)
        .completeAsync(any(), any(), any());
    sink = LoopbackSink.recording();
    webhook = harness.receiving(sink.uri("/deferred"), null, UserEvents.CREATED);
  }

  @AfterEach
  void tearDown() {
    background.shutdownNow();
    workers.shutdownNow();
    sink.close();
  }

  /** Records the held outcome for real and answers with the Store's answer. */
  private void record(Held h) {
    h.answer().complete(store.complete(h.lease(), h.attempt(), h.now()));
  }

  private Dispatcher.Builder dispatcher() {
    return Dispatcher.builder()
        .registry(harness.registry)
        .workerExecutor(workers)
        .workers(2) // so at most two deliveries are sent and not yet recorded
        .perEndpointConcurrency(1)
        .retrySchedule(RetrySchedule.builder().attemptTimeout(Duration.ofSeconds(10)).build())
        .shutdownTimeout(Duration.ofSeconds(20))
        .listener(
            new DeliveryListener() {
              @Override
              public void attemptSucceeded(Delivery d, Attempt a) {
                succeeded.incrementAndGet();
              }
            });
  }

  private DeliveryCounts counts() {
    return store.countDeliveries(webhook.id());
  }

  @Test
  void noWorkerWaitsForTheAnswerAndTheListenerIsToldOnceRecorded() throws Exception {
    Dispatcher d = dispatcher().build();
    try {
      for (int i = 0; i < 3; i++) {
        d.publish(harness.event(UserEvents.CREATED));
      }
      Future<Integer> run = background.submit(d::runDueNow);
      Harness.await(Duration.ofSeconds(20), () -> sink.total() == 2 && held.size() == 2);
      Harness.await(Duration.ofSeconds(20), () -> threadsInAttempts() == 0);
      // Two attempts made, their outcomes unanswered, and no thread waits for them.
      assertEquals(2, sink.total(), "no more deliveries sent and unrecorded than workers (2)");
      assertEquals(0, succeeded.get(), "no listener told before the outcome is recorded");
      assertEquals(2, counts().inFlight(), "nothing recorded yet: " + counts());
      assertEquals(1, counts().pending(), "the third not claimed: no worker free: " + counts());
      assertFalse(run.isDone(), "runDueNow waits for the Store's answers");

      record(held.get(0));
      record(held.get(1));
      Harness.await(Duration.ofSeconds(20), () -> held.size() == 3);
      assertEquals(2, succeeded.get());
      record(held.get(2));
      assertEquals(3, run.get(20, TimeUnit.SECONDS));
      assertEquals(3, succeeded.get());
      assertEquals(3, counts().succeeded(), counts().toString());
      assertEquals(3, sink.distinct());
      assertEquals(3, sink.total(), "each once");
    } finally {
      deferring = false;
      held.forEach(h -> h.answer().complete(false));
      d.close();
    }
  }

  @Test
  void anAnswerFreesAWorkerAtOnceAndCloseEndsOnlyOnceEveryOutcomeIsAnswered() throws Exception {
    // Polls an hour apart: only the answer itself can get the third delivery claimed in time.
    Dispatcher d = dispatcher().pollInterval(Duration.ofHours(1)).build();
    Future<?> closing = null;
    try {
      for (int i = 0; i < 3; i++) {
        d.publish(harness.event(UserEvents.CREATED)); // not started: queued in the Store
      }
      d.start();
      Harness.await(Duration.ofSeconds(20), () -> sink.total() == 2 && held.size() == 2);
      // Both attempts have returned (their threads' own claim rounds found no free worker): the
      // answer is what frees a worker, and it must ask for the round itself.
      Harness.await(Duration.ofSeconds(20), () -> threadsInAttempts() == 0);
      record(held.get(0));
      Harness.await(Duration.ofSeconds(20), () -> sink.total() == 3 && held.size() == 3);

      AtomicReference<Thread> closer = new AtomicReference<>();
      closing =
          background.submit(
              () -> {
                closer.set(Thread.currentThread());
                d.close();
              });
      Harness.await(Duration.ofSeconds(20), () -> waitsForIdle(closer.get()));
      assertFalse(closing.isDone(), "close waits for the Store's answers");
      record(held.get(1));
      record(held.get(2));
      closing.get(20, TimeUnit.SECONDS);
      assertEquals(3, succeeded.get(), "all told before close returned");
      assertEquals(3, counts().succeeded(), counts().toString());
    } finally {
      deferring = false;
      held.forEach(h -> h.answer().complete(false));
      d.close();
    }
  }

  /** How many of this test's worker threads are inside an attempt (AttemptRunner) right now. */
  private static long threadsInAttempts() {
    return Thread.getAllStackTraces().entrySet().stream()
        .filter(t -> t.getKey().getName().equals(WORKER_NAME))
        .map(Map.Entry::getValue)
        .filter(
            stack -> {
              for (StackTraceElement e : stack) {
                if (e.getClassName().endsWith(".AttemptRunner")) {
                  return true;
                }
              }
              return false;
            })
        .count();
  }

  /** Whether the thread waits in the dispatcher's wait for its attempts and outcomes to end. */
  private static boolean waitsForIdle(@Nullable Thread t) {
    if (t == null || t.getState() != Thread.State.TIMED_WAITING) {
      return false;
    }
    for (StackTraceElement e : t.getStackTrace()) {
      if (e.getMethodName().equals("awaitIdle")) {
        return true;
      }
    }
    return false;
  }

  @Test
  void anOutcomeTheStoreFailsToRecordIsSentAgainWhenItsLeaseExpires() throws Exception {
    Duration lease = Duration.ofMinutes(2);
    Dispatcher d = dispatcher().leaseDuration(lease).build();
    try {
      d.publish(harness.event(UserEvents.CREATED));
      Future<Integer> run = background.submit(d::runDueNow);
      Harness.await(Duration.ofSeconds(20), () -> held.size() == 1);
      held.get(0).answer().completeExceptionally(new IllegalStateException("database down"));
      assertEquals(1, run.get(20, TimeUnit.SECONDS));
      assertEquals(0, succeeded.get(), "not recorded, not told");
      assertEquals(1, counts().inFlight(), "left in flight under its lease: " + counts());

      deferring = false;
      assertEquals(0, d.runDueNow(), "its lease has not expired");
      clock.advance(lease.plusSeconds(1));
      assertEquals(1, d.runDueNow());
      assertEquals(1, succeeded.get());
      assertEquals(1, counts().succeeded(), counts().toString());
      assertEquals(1, sink.distinct(), "nothing lost");
      assertEquals(2, sink.total(), "sent again");
    } finally {
      deferring = false;
      d.close();
    }
  }

  @Test
  void withAnObserverNoWorkerWaitsEitherAndItsScopeIsToldTheSuccessBeforeTheStore()
      throws Exception {
    Map<String, AttemptResult.Outcome> told = new ConcurrentHashMap<>();
    Map<String, String> toldOn = new ConcurrentHashMap<>();
    Map<String, Boolean> storeAskedFirst = new ConcurrentHashMap<>();
    Dispatcher d =
        dispatcher()
            .attemptObserver(
                request -> {
                  Thread before = Thread.currentThread();
                  return result -> {
                    told.put(request.deliveryId(), result.outcome());
                    toldOn.put(
                        request.deliveryId(), before == Thread.currentThread() ? "same" : "other");
                    storeAskedFirst.put(
                        request.deliveryId(),
                        held.stream()
                            .anyMatch(h -> h.lease().deliveryId().equals(request.deliveryId())));
                  };
                })
            .build();
    try {
      Event first = harness.event(UserEvents.CREATED);
      Event second = harness.event(UserEvents.CREATED);
      d.publish(first);
      d.publish(second);
      Future<Integer> run = background.submit(d::runDueNow);
      Harness.await(Duration.ofSeconds(20), () -> held.size() == 2);
      // Both workers returned while the Store still holds both outcomes: none waited.
      Harness.await(Duration.ofSeconds(20), () -> threadsInAttempts() == 0);
      assertEquals(0, succeeded.get(), "the listener is told only once recorded");
      Held a = held.get(0);
      Held b = held.get(1);
      String idA = a.lease().deliveryId();
      String idB = b.lease().deliveryId();
      assertEquals(
          Map.of(idA, AttemptResult.Outcome.SUCCEEDED, idB, AttemptResult.Outcome.SUCCEEDED), told);
      assertEquals(Map.of(idA, "same", idB, "same"), toldOn, "told on the thread that opened it");
      assertEquals(
          Map.of(idA, false, idB, false),
          storeAskedFirst,
          "each scope is told before the outcome is handed to the Store");
      assertFalse(run.isDone(), "runDueNow waits for the Store's answers");
      record(a);
      b.answer().complete(false); // the lease was lost meanwhile
      assertEquals(2, run.get(20, TimeUnit.SECONDS));
      assertEquals(1, succeeded.get(), "only the recorded one is told to the listener");
      assertEquals(AttemptResult.Outcome.SUCCEEDED, told.get(idB), "the endpoint did get it");
    } finally {
      deferring = false;
      d.close();
    }
  }
}
