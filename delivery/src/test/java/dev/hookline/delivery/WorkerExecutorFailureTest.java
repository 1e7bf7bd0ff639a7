package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Delivery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.testing.LoopbackSink;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A caller's worker executor that fails a hand-off with something other than {@code
 * RejectedExecutionException} (an executor closing down that throws {@code IllegalStateException},
 * say) must not cost the dispatcher a worker and the endpoint a slot for good: the attempt is
 * handed back, as after a refusal.
 */
class WorkerExecutorFailureTest {
  private final Harness h = new Harness();

  @Test
  void anExecutorThatThrowsOnceLeavesNothingHeld() throws Exception {
    Throwable thrown =
        runWithFailingExecutor(new IllegalStateException("executor is closing (simulated)"));
    // Either way (thrown or not): what matters is what the dispatcher still holds.
    assertTrue(thrown == null || thrown instanceof IllegalStateException, String.valueOf(thrown));
  }

  /**
   * An executor that cannot start a thread throws {@code OutOfMemoryError: unable to create native
   * thread}. The Error goes on to the caller, as errors do here, but the attempt it refused is
   * handed back first: the task, never run nor cancelled, kept its worker and its endpoint's slot
   * for good, and with one worker nothing was claimed again.
   */
  @Test
  void anExecutorThatCannotStartAThreadLeavesNothingHeld() throws Exception {
    Throwable thrown =
        runWithFailingExecutor(new OutOfMemoryError("unable to create native thread (simulated)"));
    assertTrue(thrown instanceof OutOfMemoryError, String.valueOf(thrown));
  }

  /**
   * Publishes one event to a dispatcher with one worker whose executor throws {@code failure} (a
   * RuntimeException or an Error) at its first hand-off; checks that nothing is held after it and
   * that the delivery goes out once due again.
   *
   * @return what the first {@code runDueNow} threw, or null
   */
  private Throwable runWithFailingExecutor(Throwable failure) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    AtomicBoolean failOnce = new AtomicBoolean(true);
    Throwable thrown = null;
    try (LoopbackSink sink = LoopbackSink.recording()) {
      h.receiving(sink.uri("/hook"), null, UserEvents.CREATED);
      try (Dispatcher d =
          h.dispatcher(Duration.ofSeconds(2))
              .workers(1)
              .workerExecutor(
                  task -> {
                    if (failOnce.compareAndSet(true, false)) {
                      if (failure instanceof Error error) {
                        throw error;
                      }
                      throw (RuntimeException) failure;
                    }
                    pool.execute(task);
                  })
              .build()) {
        Event e = h.event(UserEvents.CREATED);
        d.publish(e);
        try {
          d.runDueNow();
        } catch (RuntimeException | Error t) {
          thrown = t;
        }
        assertTrue(d.toString().contains("busy=0]"), d.toString());

        // Due again after the hand-back's short delay; a run then sends it and ends.
        h.clock.advance(Duration.ofMinutes(2));
        assertTimeoutPreemptively(Duration.ofSeconds(10), d::runDueNow);
        Delivery delivery = h.only(e.id());
        assertEquals(DeliveryState.SUCCEEDED, delivery.state(), delivery.toString());
        assertEquals(Map.of(e.id(), 1), sink.counts());
      }
    } finally {
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    }
    return thrown;
  }
}
