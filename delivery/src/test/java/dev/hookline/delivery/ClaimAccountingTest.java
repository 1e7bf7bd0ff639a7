package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Delivery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.filter.Filters;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.Lane;
import dev.hookline.spi.Store;
import dev.hookline.testing.LoopbackSink;
import dev.hookline.testing.TestWebhooks;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The claim loop's count of deliveries handed out ({@code busy}, shown by the dispatcher's {@code
 * toString}) stays exact when a claim round fails part way through, and when the worker executor
 * refuses attempts.
 */
class ClaimAccountingTest {
  private final Harness h = new Harness();
  private final AtomicBoolean failRetriesClaimOnce = new AtomicBoolean();
  private final AtomicInteger claims = new AtomicInteger();
  private final ExecutorService pool = Executors.newFixedThreadPool(2);

  /** The harness's store, with claims counted and a retries-lane claim that fails once on cue. */
  private final Store store =
      StoreSpy.around(
          h.store,
          (method, args) -> {
            if (method.equals("claim")) {
              claims.incrementAndGet();
              if (((ClaimRequest) args[0]).lane() == Lane.RETRIES
                  && failRetriesClaimOnce.compareAndSet(true, false)) {
                throw new IllegalStateException("connection lost (simulated)");
              }
            }
          });

  private final WebhookRegistry registry =
      WebhookRegistry.builder()
          .store(store)
          .clock(h.clock)
          .filterCompiler(Filters.compiler())
          .allowInsecureLoopbackForDevelopment(true)
          .build();

  @AfterEach
  void stopPool() throws InterruptedException {
    pool.shutdownNow();
    assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
  }

  private Webhook receiving(LoopbackSink sink) {
    Webhook w =
        registry.create(
            WebhookDefinition.builder()
                .name("accounting")
                .uri(sink.uri("/hook"))
                .apiKey(Harness.API_KEY)
                .events(UserEvents.CREATED)
                .build());
    TestWebhooks.markVerified(registry, w.id());
    return registry.enable(w.id());
  }

  private Dispatcher.Builder dispatcher() {
    return Dispatcher.builder()
        .registry(registry)
        .clock(h.clock)
        .jitter(() -> 0.5)
        .shutdownTimeout(Duration.ofSeconds(2));
  }

  /** One worker, and a worker executor that refuses every task. */
  private Dispatcher.Builder refusingEveryAttempt() {
    return dispatcher()
        .workers(1)
        .workerExecutor(
            task -> {
              throw new RejectedExecutionException("full (simulated)");
            });
  }

  @Test
  void aClaimFailingAfterAnotherLaneDispatchedGivesBackOnlyWhatWasNotDispatched() throws Exception {
    try (LoopbackSink sink = LoopbackSink.recording()) {
      Webhook w = receiving(sink);
      try (Dispatcher d = dispatcher().workerExecutor(pool).build()) {
        Event e = h.event(UserEvents.CREATED);
        d.publish(e);
        // The round claims first attempts (and dispatches this one), then retries: that claim
        // fails, with the attempt already handed to a worker.
        failRetriesClaimOnce.set(true);
        assertThrows(IllegalStateException.class, d::runDueNow);
        Harness.await(Duration.ofSeconds(10), () -> d.summary(w.id()).succeeded() == 1);
        Harness.await(Duration.ofSeconds(10), () -> d.toString().contains("busy=0]"));
        assertEquals(Map.of(e.id(), 1), sink.counts());

        // With the count exact, a later run ends once nothing is due and nothing runs; with the
        // count one too low it never saw "nothing runs" and spun.
        Event next = h.event(UserEvents.CREATED);
        d.publish(next);
        assertTimeoutPreemptively(Duration.ofSeconds(10), d::runDueNow);
        assertEquals(Map.of(e.id(), 1, next.id(), 1), sink.counts());
        assertTrue(d.toString().contains("busy=0]"), d.toString());
      }
    }
  }

  @Test
  void anAttemptTheWorkerExecutorRefusesIsHandedBackForALaterTryNotClaimedAgainAtOnce()
      throws Exception {
    try (LoopbackSink sink = LoopbackSink.recording()) {
      receiving(sink);
      try (Dispatcher d = refusingEveryAttempt().build()) {
        Event e = h.event(UserEvents.CREATED);
        d.publish(e);
        assertTimeoutPreemptively(Duration.ofSeconds(10), d::runDueNow);
        Delivery delivery = h.only(e.id());
        assertEquals(DeliveryState.PENDING, delivery.state(), delivery.toString());
        assertEquals(0, delivery.attempts().size(), "nothing was sent, no attempt counted");
        Instant now = h.clock.instant();
        assertEquals(
            now.plusSeconds(5),
            delivery.nextAttemptAt().orElseThrow(),
            "due again after a short delay, not at once");
        assertTrue(claims.get() < 10, "claimed " + claims.get() + " times");
        assertTrue(d.toString().contains("busy=0]"), d.toString());
        assertEquals(0, sink.total());
      }
    }
  }

  @Test
  void refusalsInTheBackgroundDoNotNestClaimRoundsOrDriftTheCount() throws Exception {
    try (LoopbackSink sink = LoopbackSink.recording()) {
      receiving(sink);
      try (Dispatcher d = refusingEveryAttempt().build().start()) {
        Event e = h.event(UserEvents.CREATED);
        d.publish(e);
        Instant due = h.clock.instant().plusSeconds(5);
        // Refused on the scheduler's thread: it goes back to the Store due 5 s later (the clock
        // stands still), so no round claims it again, nested in the round or after it.
        Harness.await(
            Duration.ofSeconds(10),
            () -> {
              Delivery delivery = h.only(e.id());
              return delivery.state() == DeliveryState.PENDING
                  && delivery.nextAttemptAt().orElseThrow().equals(due);
            });
        Harness.await(Duration.ofSeconds(10), () -> d.toString().contains("busy=0]"));
        assertEquals(0, sink.total());
      }
    }
  }
}
