package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.testing.LoopbackSink;
import dev.hookline.testing.Poll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An attempt that waited in a caller's worker executor must not start when what is left of its
 * lease is shorter than an attempt may last: the lease would run out while the request is still on
 * its way, and another claim (this instance's poll, another instance's) would send the same
 * delivery at the same time. Checked only against the lease's expiry, it started with a second
 * left; a delivery waiting in an endpoint's queue is already held to half the lease.
 */
class NearlyExpiredLeaseInExecutorTest {
  private static final Duration LEASE = Duration.ofSeconds(30);
  private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(10);

  private final Harness h = new Harness();

  /** Holds tasks until opened, then runs everything on its threads. */
  private static final class GatedExecutor implements Executor {
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Runnable> held = new ArrayList<>();
    private boolean open;

    @Override
    public synchronized void execute(Runnable task) {
      if (open) {
        threads.execute(task);
      } else {
        held.add(task);
      }
    }

    synchronized int held() {
      return held.size();
    }

    synchronized void open() {
      open = true;
      held.forEach(threads::execute);
      held.clear();
    }

    void shutdown() throws InterruptedException {
      threads.shutdownNow();
      assertTrue(threads.awaitTermination(20, TimeUnit.SECONDS));
    }
  }

  @Test
  void anAttemptWhoseLeaseIsNearlyOverIsHandedBackNotSent() throws Exception {
    GatedExecutor gate = new GatedExecutor();
    try (LoopbackSink sink = LoopbackSink.recording()) {
      h.receiving(sink.uri("/hook"), null, UserEvents.CREATED);
      try (Dispatcher d =
              h.dispatcher(ATTEMPT_TIMEOUT)
                  .clock(h.clock)
                  .workers(4)
                  .leaseDuration(LEASE)
                  .workerExecutor(gate)
                  .pollInterval(Duration.ofMillis(20))
                  .build()
                  .start();
          Dispatcher other =
              h.dispatcher(ATTEMPT_TIMEOUT).clock(h.clock).leaseDuration(LEASE).build()) {
        Event e = h.event(UserEvents.CREATED);
        d.publish(e);
        Harness.await(Duration.ofSeconds(10), () -> gate.held() == 1);

        // The task waited in the executor until one second of its lease is left.
        h.clock.advance(LEASE.minusSeconds(1));
        sink.pause();
        gate.open();
        Harness.await(Duration.ofSeconds(10), () -> sink.total() == 1);

        // Two seconds later, whatever lease the request in flight went out under: if it was the
        // old one, it has expired, and another instance claims and sends the delivery again.
        h.clock.advance(Duration.ofSeconds(2));
        CompletableFuture<Void> claim = CompletableFuture.runAsync(other::runDueNow);
        Poll.until(
            Duration.ofSeconds(10),
            () -> claim.isDone() || sink.total() > 1,
            "the other instance's claim ends or sends");
        assertEquals(
            1, sink.total(), "sent twice at once: the first went out with its lease nearly over");
        sink.resume();
        claim.get(30, TimeUnit.SECONDS);
      }
    } finally {
      gate.shutdown();
    }
  }
}
