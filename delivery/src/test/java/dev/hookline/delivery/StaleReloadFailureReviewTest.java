package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.WebhookRegistry;
import dev.hookline.filter.Filters;
import dev.hookline.spi.Store;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Review r78: a dispatcher that is not started reloads a stale view before a publish (round 5).
 * When that reload fails while publishing still works (the Store's list of webhooks fails: one
 * webhook's secret no longer decrypts, a slow full scan times out), the time of the last reload is
 * not moved, so every later publish reads every webhook again, and logs a WARN with a stack trace,
 * before its own enqueue: a full table scan per published event, for as long as the failure lasts.
 * A started dispatcher tries again once per reload interval.
 */
class StaleReloadFailureReviewTest {
  private final Harness h = new Harness();
  private final AtomicBoolean failList = new AtomicBoolean();
  private final AtomicInteger lists = new AtomicInteger();

  private final Store store =
      StoreSpy.around(
          h.store,
          (method, args) -> {
            if (method.equals("listWebhooks") && args.length == 0) {
              lists.incrementAndGet();
              if (failList.get()) {
                throw new IllegalStateException("a stored secret does not decrypt (simulated)");
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

  @Test
  void aFailedReloadBeforeAPublishIsNotTriedAgainByEveryPublish() {
    AtomicLong nanos = new AtomicLong();
    Duration reload = Duration.ofSeconds(30);
    try (Dispatcher d =
        Dispatcher.builder()
            .registry(registry)
            .clock(h.clock)
            .ticker(nanos::get)
            .webhookReloadInterval(reload)
            .shutdownTimeout(Duration.ofSeconds(1))
            .build()) {
      nanos.addAndGet(reload.toNanos() + 1); // the view is stale
      failList.set(true);
      lists.set(0);
      for (int i = 0; i < 100; i++) {
        d.publish(h.event(dev.hookline.UserEvents.CREATED)); // the publish itself works
      }
      assertTrue(
          lists.get() <= 2,
          "100 publishes within one instant each read every webhook again after a failed"
              + " reload: "
              + lists.get()
              + " full reloads");
      // tried again a little later, by the next publish
      failList.set(false);
      int before = lists.get();
      nanos.addAndGet(Duration.ofSeconds(1).toNanos() + 1);
      d.publish(h.event(dev.hookline.UserEvents.CREATED));
      assertTrue(lists.get() == before + 1, "a failed reload was never tried again");
      d.publish(h.event(dev.hookline.UserEvents.CREATED));
      assertTrue(lists.get() == before + 1, "a fresh view was reloaded again");
    }
  }
}
