package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.spy;

import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.Poll;
import dev.hookline.testing.RecordingReceiver;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code close()} called from a callback that runs on one of the dispatcher's own threads (a {@link
 * DeliveryListener}, an {@link AttemptObserver}): "stop sending when X happens". It must not wait
 * for the very attempt whose callback called it, nor for the worker pool that thread belongs to: it
 * stops intake, waits (bounded) for the other attempts in flight, and returns promptly, the calling
 * attempt's outcome recorded (or, if nothing was sent yet, its delivery handed back). Before, it
 * waited its whole shutdown timeout for itself (and on platform threads 10 s more for its own pool
 * to terminate), then interrupted its own thread.
 *
 * <p>The shutdown timeout here is 30 s, and close() must return well within 10 s.
 */
class CloseFromCallbackTest {
  private static final Duration LONG_SHUTDOWN = Duration.ofSeconds(30);
  private static final long BOUND_SECONDS = 10;

  private final Harness h = new Harness();
  private final ExecutorService background = Executors.newCachedThreadPool();
  private RecordingReceiver receiver;
  private Set<String> threadsBefore;

  @BeforeEach
  void setUp() throws Exception {
    receiver = RecordingReceiver.start();
    threadsBefore = dispatcherThreads();
  }

  @AfterEach
  void tearDown() {
    receiver.release();
    receiver.close();
    background.shutdownNow();
  }

  /** What a callback saw as its close() returned. */
  private record Closed(long millis, boolean interrupted) {}

  /** The worker and scheduler threads of dispatchers alive now, by name and id. */
  private static Set<String> dispatcherThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .filter(
            t ->
                t.getName().startsWith("hookline-delivery-worker")
                    || t.getName().startsWith("hookline-dispatcher"))
        .map(t -> t.getName() + "#" + t.getId())
        .collect(Collectors.toSet());
  }

  private void awaitOwnThreadsGone() {
    Poll.until(
        Duration.ofSeconds(BOUND_SECONDS),
        () -> {
          Set<String> left = dispatcherThreads();
          left.removeAll(threadsBefore);
          return left.isEmpty();
        },
        () -> "the closed dispatcher's threads end: " + dispatcherThreads());
  }

  private Dispatcher.Builder dispatcher(boolean virtualThreads) {
    return h.dispatcher(Duration.ofSeconds(20))
        .clock(Clock.systemUTC())
        .virtualThreads(virtualThreads)
        .shutdownTimeout(LONG_SHUTDOWN);
  }

  /** Calls close() on {@code dispatcher} and completes {@code closed} with what it saw. */
  private static void closeAndReport(
      AtomicReference<Dispatcher> dispatcher, CompletableFuture<Closed> closed) {
    long start = System.nanoTime();
    try {
      dispatcher.get().close();
      closed.complete(
          new Closed(
              (System.nanoTime() - start) / 1_000_000, Thread.currentThread().isInterrupted()));
    } catch (RuntimeException | Error e) {
      closed.completeExceptionally(e);
    }
  }

  @ParameterizedTest(name = "status {0}, virtual threads {1}")
  @CsvSource({"204, true", "204, false", "500, true", "500, false"})
  void closeInAListenerReturnsPromptlyAndTheAttemptStaysRecorded(int status, boolean virtual)
      throws Exception {
    receiver.respondWith(RecordingReceiver.Reply.status(status));
    Webhook w = h.receiving(receiver.url("/hook"), null, UserEvents.CREATED);
    AtomicReference<Dispatcher> ref = new AtomicReference<>();
    CompletableFuture<Closed> closed = new CompletableFuture<>();
    DeliveryListener stopOnFirst =
        new DeliveryListener() {
          @Override
          public void attemptSucceeded(Delivery delivery, Attempt attempt) {
            closeAndReport(ref, closed);
          }

          @Override
          public void attemptFailed(
              Delivery delivery, Attempt attempt, Optional<Instant> nextAttemptAt) {
            closeAndReport(ref, closed);
          }
        };
    Dispatcher d = dispatcher(virtual).listener(stopOnFirst).build();
    ref.set(d);
    d.start();
    Event e = h.event(UserEvents.CREATED);
    d.publish(e);

    Closed c = closed.get(BOUND_SECONDS, TimeUnit.SECONDS);
    assertTrue(c.millis() < 5_000, "close() from the listener took " + c.millis() + " ms");
    assertFalse(c.interrupted(), "close() must not interrupt the thread that called it");
    Delivery after = h.only(e.id());
    assertEquals(1, after.attemptCount(), "the attempt is recorded: " + after);
    assertEquals(
        status == 204 ? DeliveryState.SUCCEEDED : DeliveryState.RETRYING,
        after.state(),
        "recorded before the listener was told: " + after);
    assertTrue(after.lease().isEmpty(), "no lease left: " + after);
    assertEquals(1, receiver.requests().size(), "sent once");
    assertEquals(w.id(), after.webhookId());
    awaitOwnThreadsGone();
    d.close(); // idempotent, from the test's thread too
  }

  @ParameterizedTest(name = "virtual threads {0}")
  @ValueSource(booleans = {true, false})
  void closeInAListenerWaitsForTheOtherAttemptsButNotForItself(boolean virtual) throws Exception {
    try (RecordingReceiver slow = RecordingReceiver.start()) {
      h.receiving(receiver.url("/fast"), null, UserEvents.CREATED);
      Webhook slowHook = h.receiving(slow.url("/slow"), null, UserEvents.UPDATED);
      AtomicReference<Dispatcher> ref = new AtomicReference<>();
      CompletableFuture<Closed> closed = new CompletableFuture<>();
      CompletableFuture<Void> closing = new CompletableFuture<>();
      DeliveryListener stopOnFast =
          new DeliveryListener() {
            @Override
            public void attemptSucceeded(Delivery delivery, Attempt attempt) {
              if (delivery.webhookId().equals(slowHook.id())) {
                return;
              }
              closing.complete(null);
              closeAndReport(ref, closed);
            }
          };
      Dispatcher d = dispatcher(virtual).listener(stopOnFast).build();
      ref.set(d);
      d.start();
      slow.hold();
      Event other = h.event(UserEvents.UPDATED);
      d.publish(other);
      Poll.until(
          Duration.ofSeconds(BOUND_SECONDS),
          () -> slow.heldRequests() == 1,
          "the other attempt reaches its endpoint");
      Event e = h.event(UserEvents.CREATED);
      d.publish(e);
      closing.get(BOUND_SECONDS, TimeUnit.SECONDS);
      assertFalse(closed.isDone(), "close() waits for the other attempt");
      // While close() waits for it, the other attempt is answered and recorded.
      slow.release();
      Closed c = closed.get(BOUND_SECONDS, TimeUnit.SECONDS);
      assertFalse(c.interrupted(), "close() must not interrupt the thread that called it");
      Delivery otherAfter = h.only(other.id());
      assertEquals(
          DeliveryState.SUCCEEDED, otherAfter.state(), "close() waited for it: " + otherAfter);
      assertEquals(1, otherAfter.attemptCount());
      assertEquals(DeliveryState.SUCCEEDED, h.only(e.id()).state());
      awaitOwnThreadsGone();
    }
  }

  @ParameterizedTest(name = "virtual threads {0}")
  @ValueSource(booleans = {true, false})
  void closeInAListenerCutsOffTheOthersAtTheTimeoutButNotItself(boolean virtual) throws Exception {
    try (RecordingReceiver never = RecordingReceiver.start()) {
      h.receiving(receiver.url("/fast"), null, UserEvents.CREATED);
      Webhook deadHook = h.receiving(never.url("/never"), null, UserEvents.UPDATED);
      AtomicReference<Dispatcher> ref = new AtomicReference<>();
      CompletableFuture<Closed> closed = new CompletableFuture<>();
      DeliveryListener stopOnFast =
          new DeliveryListener() {
            @Override
            public void attemptSucceeded(Delivery delivery, Attempt attempt) {
              if (!delivery.webhookId().equals(deadHook.id())) {
                closeAndReport(ref, closed);
              }
            }
          };
      Dispatcher d =
          dispatcher(virtual).shutdownTimeout(Duration.ofMillis(300)).listener(stopOnFast).build();
      ref.set(d);
      d.start();
      never.hold();
      Event other = h.event(UserEvents.UPDATED);
      d.publish(other);
      Poll.until(
          Duration.ofSeconds(BOUND_SECONDS),
          () -> never.heldRequests() == 1,
          "the other attempt reaches its endpoint");
      Event e = h.event(UserEvents.CREATED);
      d.publish(e);
      Closed c = closed.get(BOUND_SECONDS, TimeUnit.SECONDS);
      assertTrue(c.millis() < 5_000, "close() took " + c.millis() + " ms");
      assertFalse(c.interrupted(), "close() cut the others off, not its own thread");
      assertEquals(DeliveryState.SUCCEEDED, h.only(e.id()).state());
      Delivery otherAfter = h.only(other.id());
      assertEquals(DeliveryState.PENDING, otherAfter.state(), "cut off, released: " + otherAfter);
      assertEquals(0, otherAfter.attemptCount());
      awaitOwnThreadsGone();
    }
  }

  @ParameterizedTest(name = "virtual threads {0}")
  @ValueSource(booleans = {true, false})
  void closeInAnObserversBeforeAttemptSendsNothingAndHandsTheDeliveryBack(boolean virtual)
      throws Exception {
    h.receiving(receiver.url("/hook"), null, UserEvents.CREATED);
    AtomicReference<Dispatcher> ref = new AtomicReference<>();
    CompletableFuture<Closed> closed = new CompletableFuture<>();
    CompletableFuture<AttemptResult> result = new CompletableFuture<>();
    AttemptObserver stopBefore =
        request -> {
          closeAndReport(ref, closed);
          return result::complete;
        };
    Dispatcher d = dispatcher(virtual).attemptObserver(stopBefore).build();
    ref.set(d);
    d.start();
    Event e = h.event(UserEvents.CREATED);
    d.publish(e);

    Closed c = closed.get(BOUND_SECONDS, TimeUnit.SECONDS);
    assertTrue(c.millis() < 5_000, "close() from beforeAttempt took " + c.millis() + " ms");
    AttemptResult r = result.get(BOUND_SECONDS, TimeUnit.SECONDS);
    assertEquals(AttemptResult.Outcome.NOT_ATTEMPTED, r.outcome(), r.toString());
    Delivery after = h.only(e.id());
    assertEquals(DeliveryState.PENDING, after.state(), "handed back: " + after);
    assertEquals(0, after.attemptCount());
    assertTrue(after.lease().isEmpty());
    assertEquals(0, receiver.requests().size(), "nothing sent after close()");
    awaitOwnThreadsGone();
  }

  @ParameterizedTest(name = "virtual threads {0}")
  @ValueSource(booleans = {true, false})
  void closeInAnObserversAfterAttemptReturnsPromptlyAndTheSuccessIsStillRecorded(boolean virtual)
      throws Exception {
    h.receiving(receiver.url("/hook"), null, UserEvents.CREATED);
    AtomicReference<Dispatcher> ref = new AtomicReference<>();
    CompletableFuture<Closed> closed = new CompletableFuture<>();
    AttemptObserver stopAfter = request -> result -> closeAndReport(ref, closed);
    Dispatcher d = dispatcher(virtual).attemptObserver(stopAfter).build();
    ref.set(d);
    d.start();
    Event e = h.event(UserEvents.CREATED);
    d.publish(e);

    Closed c = closed.get(BOUND_SECONDS, TimeUnit.SECONDS);
    assertTrue(c.millis() < 5_000, "close() from afterAttempt took " + c.millis() + " ms");
    // The scope is told a success before the Store records it: recorded once the callback returns.
    Poll.until(
        Duration.ofSeconds(BOUND_SECONDS),
        () -> h.only(e.id()).state() == DeliveryState.SUCCEEDED,
        () -> "the success is recorded: " + h.only(e.id()));
    assertEquals(1, h.only(e.id()).attemptCount());
    assertEquals(1, receiver.requests().size());
    awaitOwnThreadsGone();
  }

  /**
   * A Store that answers successes later (as PostgreSQL's grouped write does) tells the listener on
   * the thread that recorded the outcome; close() there must not wait for that outcome, whose
   * attempt counts as running until the listener returns.
   */
  @Test
  void closeInAListenerToldOnTheStoresThreadDoesNotWaitForItsOwnOutcome() throws Exception {
    InMemoryStore real = spy(new InMemoryStore());
    Harness deferred = new Harness(real);
    ExecutorService storeThread = Executors.newSingleThreadExecutor();
    CopyOnWriteArrayList<Runnable> answers = new CopyOnWriteArrayList<>();
    doAnswer(
            inv -> {
              CompletableFuture<Boolean> answer = new CompletableFuture<>();
              answers.add(
                  () ->
                      answer.complete(
                          real.complete(
                              inv.getArgument(0), inv.getArgument(1), inv.getArgument(2))));
              return answer;
            })
        .when(real)
        .completeAsync(any(), any(), any());
    try {
      deferred.receiving(receiver.url("/hook"), null, UserEvents.CREATED);
      AtomicReference<Dispatcher> ref = new AtomicReference<>();
      CompletableFuture<Closed> closed = new CompletableFuture<>();
      Dispatcher d =
          deferred
              .dispatcher(Duration.ofSeconds(20))
              .clock(Clock.systemUTC())
              .shutdownTimeout(LONG_SHUTDOWN)
              .listener(
                  new DeliveryListener() {
                    @Override
                    public void attemptSucceeded(Delivery delivery, Attempt attempt) {
                      closeAndReport(ref, closed);
                    }
                  })
              .build();
      ref.set(d);
      d.start();
      Event e = deferred.event(UserEvents.CREATED);
      d.publish(e);
      Poll.until(
          Duration.ofSeconds(BOUND_SECONDS), () -> answers.size() == 1, "the outcome is handed");
      storeThread.execute(answers.get(0));
      Closed c = closed.get(BOUND_SECONDS, TimeUnit.SECONDS);
      assertTrue(c.millis() < 5_000, "close() took " + c.millis() + " ms");
      assertEquals(DeliveryState.SUCCEEDED, deferred.only(e.id()).state());
      awaitOwnThreadsGone();
    } finally {
      storeThread.shutdownNow();
    }
  }

  /**
   * runDueNow() from a listener (a host that drives delivery itself, "send what is due now, too")
   * waited a day for the attempt whose listener called it; while the caller's own runDueNow()
   * waited for that attempt in turn.
   */
  @Test
  void runDueNowInAListenerDoesNotWaitForItsOwnAttempt() throws Exception {
    h.receiving(receiver.url("/hook"), null, UserEvents.CREATED);
    AtomicReference<Dispatcher> ref = new AtomicReference<>();
    CompletableFuture<Integer> nested = new CompletableFuture<>();
    DeliveryListener runMore =
        new DeliveryListener() {
          @Override
          public void attemptSucceeded(Delivery delivery, Attempt attempt) {
            if (!nested.isDone()) {
              try {
                nested.complete(ref.get().runDueNow());
              } catch (RuntimeException e) {
                nested.completeExceptionally(e);
              }
            }
          }
        };
    Dispatcher d = h.dispatcher(Duration.ofSeconds(20)).listener(runMore).build();
    ref.set(d);
    try {
      Event e = h.event(UserEvents.CREATED);
      d.publish(e);
      var outer = background.submit(d::runDueNow);
      assertEquals(0, nested.get(BOUND_SECONDS, TimeUnit.SECONDS), "nothing else was due");
      assertEquals(1, outer.get(BOUND_SECONDS, TimeUnit.SECONDS));
      assertEquals(DeliveryState.SUCCEEDED, h.only(e.id()).state());
    } finally {
      background.submit(d::close).get(BOUND_SECONDS + 35, TimeUnit.SECONDS);
    }
  }
}
