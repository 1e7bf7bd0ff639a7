package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.filter.Filters;
import dev.hookline.spi.Lease;
import dev.hookline.spi.Store;
import dev.hookline.testing.LoopbackSink;
import dev.hookline.testing.TestWebhooks;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * An attempt looks its webhook up once more as its worker thread starts it, from the Store if this
 * instance's view no longer knows the webhook (deleted while the attempt waited in the worker
 * executor). If that lookup fails, the delivery is handed back at once: thrown, the failure went
 * unlogged into the worker executor's future, and the delivery waited in flight for its lease to
 * expire.
 */
class LookupFailureBeforeSendTest {
  private final Harness h = new Harness();
  private final AtomicBoolean failFindWebhook = new AtomicBoolean();
  private final List<String> released = new CopyOnWriteArrayList<>();

  private final Store store =
      StoreSpy.around(
          h.store,
          (method, args) -> {
            if (method.equals("findWebhook") && failFindWebhook.get()) {
              throw new IllegalStateException("connection lost (simulated)");
            }
            if (method.equals("release")) {
              released.add(((Lease) args[0]).deliveryId());
            }
          });

  private final WebhookRegistry registry =
      WebhookRegistry.builder()
          .store(store)
          .clock(h.clock)
          .filterCompiler(Filters.compiler())
          .allowInsecureLoopbackForDevelopment(true)
          .build();

  @Test
  void aFailedLookupAsTheAttemptStartsHandsTheDeliveryBack() throws Exception {
    // The caller's worker executor: attempts wait here until the test runs them.
    BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    try (LoopbackSink sink = LoopbackSink.recording();
        Dispatcher here =
            Dispatcher.builder()
                .registry(registry)
                .clock(h.clock)
                .jitter(() -> 0.5)
                .workers(1)
                .workerExecutor(tasks::add)
                .shutdownTimeout(Duration.ofSeconds(2))
                .build()) {
      // Another instance (the harness's registry on the same Store) makes the webhook.
      Webhook w =
          h.registry.create(
              WebhookDefinition.builder()
                  .name("elsewhere")
                  .uri(sink.uri("/hook"))
                  .apiKey(Harness.API_KEY)
                  .events(UserEvents.CREATED)
                  .build());
      TestWebhooks.markVerified(h.registry, w.id());
      h.registry.enable(w.id());
      Event e = h.event(UserEvents.CREATED);
      String deliveryId;
      try (Dispatcher elsewhere = h.dispatcher(Duration.ofSeconds(2)).workers(1).build()) {
        deliveryId = elsewhere.publish(e).deliveries().get(0).id();
      }

      CompletableFuture<Integer> run = CompletableFuture.supplyAsync(here::runDueNow);
      Runnable attempt = tasks.poll(10, TimeUnit.SECONDS);
      assertNotNull(attempt, "the claimed delivery went to the worker executor");
      // Deleted here while the attempt waits: this instance's view forgets it, and the attempt
      // asks the Store, which fails.
      registry.delete(w.id());
      failFindWebhook.set(true);
      attempt.run(); // as the caller's executor would, on a thread of its own
      assertEquals(
          List.of(deliveryId),
          released,
          "handed back at once, not left in flight until its lease expires");
      failFindWebhook.set(false);
      finish(run, tasks); // a round may have failed on the simulated outage meanwhile

      // Nothing more to do: the delivery went with its webhook, and nothing was sent.
      finish(CompletableFuture.supplyAsync(here::runDueNow), tasks);
      assertEquals(Map.of(), sink.counts());
    }
  }

  /** Runs the attempts a runDueNow hands the executor until it returns, however it ends. */
  private static void finish(CompletableFuture<Integer> run, BlockingQueue<Runnable> tasks) {
    assertTimeoutPreemptively(
        Duration.ofSeconds(20),
        () -> {
          while (!run.isDone()) {
            Runnable next = tasks.poll(50, TimeUnit.MILLISECONDS);
            if (next != null) {
              next.run();
            }
          }
        });
  }
}
