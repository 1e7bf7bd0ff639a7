package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Delivery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.testing.LoopbackSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A caller's worker executor may queue attempts (a pool with fewer threads than {@code workers}).
 * An attempt that waited there past its lease is claimed again by the poll and handed to the
 * executor a second time. Each of the two tasks must still account for itself: the first must not
 * take over the second's place, or one of them never gives back its worker and slot.
 */
class QueuedInExecutorTest {
  private final Harness h = new Harness();

  /** Holds tasks until opened, then runs everything (held ones first) on one thread. */
  private static final class GatedExecutor implements Executor {
    private final ExecutorService thread = Executors.newSingleThreadExecutor();
    private final List<Runnable> held = new ArrayList<>();
    private boolean open;

    @Override
    public synchronized void execute(Runnable task) {
      if (open) {
        thread.execute(task);
      } else {
        held.add(task);
      }
    }

    synchronized int held() {
      return held.size();
    }

    synchronized void open() {
      open = true;
      held.forEach(thread::execute);
      held.clear();
    }

    void shutdown() throws InterruptedException {
      thread.shutdownNow();
      assertTrue(thread.awaitTermination(10, TimeUnit.SECONDS));
    }
  }

  @Test
  void anAttemptClaimedAgainWhileItsTaskWaitsInTheExecutorLeaksNothing() throws Exception {
    GatedExecutor gate = new GatedExecutor();
    try (LoopbackSink sink = LoopbackSink.recording()) {
      h.receiving(sink.uri("/hook"), null, UserEvents.CREATED);
      try (Dispatcher d =
          h.dispatcher(Duration.ofSeconds(2))
              .workers(4)
              .perEndpointConcurrency(2)
              .workerExecutor(gate)
              .pollInterval(Duration.ofMillis(20))
              .build()
              .start()) {
        Event e = h.event(UserEvents.CREATED);
        d.publish(e);
        Harness.await(Duration.ofSeconds(10), () -> gate.held() == 1);

        // The task waits in the executor past the lease (18 s here): the next poll claims the
        // delivery again and hands a second task to the executor.
        h.clock.advance(Duration.ofSeconds(30));
        Harness.await(Duration.ofSeconds(10), () -> gate.held() == 2);

        gate.open();
        Harness.await(Duration.ofSeconds(10), () -> d.toString().contains("busy=0]"));
        Harness.await(
            Duration.ofSeconds(10), () -> h.only(e.id()).state() == DeliveryState.SUCCEEDED);
        Delivery delivery = h.only(e.id());
        assertEquals(DeliveryState.SUCCEEDED, delivery.state(), delivery.toString());
      }
    } finally {
      gate.shutdown();
    }
  }
}
