package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.spy;

import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.Poll;
import dev.hookline.testing.RecordingReceiver;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A listener's close() (told on the Store's thread, a success answered later as on PostgreSQL) no
 * longer waits for the outcomes left with the Store, by design. But the host's own close() after it
 * (its shutdown: {@code dispatcher.close(); dataSource.close();}) returned at once too, as the
 * dispatcher was closed already: with outcomes still unrecorded, which the host's next step
 * (closing the Store's connections) loses, their deliveries sent again once their leases expire. A
 * close() from an ordinary thread must return only once every attempt is recorded, whoever closed
 * first.
 */
class CloseAfterCallbackCloseReviewTest {
  private static final long BOUND_SECONDS = 10;

  private final RecordingReceiver receiver;
  private final ExecutorService storeThread = Executors.newSingleThreadExecutor();
  private final ExecutorService host = Executors.newSingleThreadExecutor();

  CloseAfterCallbackCloseReviewTest() throws Exception {
    receiver = RecordingReceiver.start();
  }

  @AfterEach
  void tearDown() {
    storeThread.shutdownNow();
    host.shutdownNow();
    receiver.close();
  }

  @Test
  void theHostsCloseAfterAListenersCloseWaitsForTheOutcomesLeftWithTheStore() throws Exception {
    InMemoryStore real = spy(new InMemoryStore());
    Harness h = new Harness(real);
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
    h.receiving(receiver.url("/hook"), null, UserEvents.CREATED);
    AtomicReference<Dispatcher> ref = new AtomicReference<>();
    AtomicBoolean first = new AtomicBoolean(true);
    CompletableFuture<Void> listenerClosed = new CompletableFuture<>();
    Dispatcher d =
        h.dispatcher(Duration.ofSeconds(20))
            .clock(Clock.systemUTC())
            .shutdownTimeout(Duration.ofSeconds(30))
            .listener(
                new DeliveryListener() {
                  @Override
                  public void attemptSucceeded(Delivery delivery, Attempt attempt) {
                    if (first.compareAndSet(true, false)) {
                      ref.get().close();
                      listenerClosed.complete(null);
                    }
                  }
                })
            .build();
    ref.set(d);
    d.start();
    Event e1 = h.event(UserEvents.CREATED);
    Event e2 = h.event(UserEvents.CREATED);
    d.publish(e1);
    d.publish(e2);
    Poll.until(
        Duration.ofSeconds(BOUND_SECONDS),
        () -> answers.size() == 2,
        "both attempts are made and their outcomes handed to the Store");
    // The Store answers the first: its listener closes the dispatcher, without waiting for the
    // second outcome, which the Store has not answered yet.
    storeThread.execute(answers.get(0));
    listenerClosed.get(BOUND_SECONDS, TimeUnit.SECONDS);

    // The host shuts down: its close() must wait for the second outcome.
    AtomicReference<Thread> hostThread = new AtomicReference<>();
    var hostClose =
        host.submit(
            () -> {
              hostThread.set(Thread.currentThread());
              d.close();
              return h.only(e2.id()).state();
            });
    Poll.until(
        Duration.ofSeconds(BOUND_SECONDS),
        () -> {
          Thread t = hostThread.get();
          return hostClose.isDone() || (t != null && t.getState() == Thread.State.TIMED_WAITING);
        },
        "the host's close() returned or waits");
    storeThread.execute(answers.get(1)); // the Store answers the second outcome now
    assertEquals(
        DeliveryState.SUCCEEDED,
        hostClose.get(BOUND_SECONDS, TimeUnit.SECONDS),
        "the host's close() returned before the second outcome was recorded");
    assertTrue(receiver.requests().size() >= 2);
  }

  /**
   * A listener that closes the dispatcher on every success, told for two attempts at once: the
   * first close() waits for the other attempt, whose listener's close() (a second call) must not
   * wait for the first attempt in turn.
   */
  @Test
  void twoListenersClosingAtOnceDoNotWaitForEachOther() throws Exception {
    Harness h = new Harness();
    h.receiving(receiver.url("/hook"), null, UserEvents.CREATED);
    AtomicReference<Dispatcher> ref = new AtomicReference<>();
    CyclicBarrier both = new CyclicBarrier(2);
    CopyOnWriteArrayList<Long> millis = new CopyOnWriteArrayList<>();
    Dispatcher d =
        h.dispatcher(Duration.ofSeconds(20))
            .clock(Clock.systemUTC())
            .workers(4)
            .perEndpointConcurrency(4)
            .shutdownTimeout(Duration.ofSeconds(30))
            .listener(
                new DeliveryListener() {
                  @Override
                  public void attemptSucceeded(Delivery delivery, Attempt attempt) {
                    try {
                      both.await(BOUND_SECONDS, TimeUnit.SECONDS);
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                    long start = System.nanoTime();
                    ref.get().close();
                    millis.add((System.nanoTime() - start) / 1_000_000);
                  }
                })
            .build();
    ref.set(d);
    d.publish(h.event(UserEvents.CREATED));
    d.publish(h.event(UserEvents.CREATED));
    d.start();
    Poll.until(
        Duration.ofSeconds(45), () -> millis.size() == 2, "both listeners' close() returned");
    for (long ms : millis) {
      assertTrue(ms < 5_000, "a listener's close() took " + ms + " ms: " + millis);
    }
  }
}
