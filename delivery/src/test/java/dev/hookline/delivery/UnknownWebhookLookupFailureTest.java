package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.filter.Filters;
import dev.hookline.spi.Store;
import dev.hookline.testing.LoopbackSink;
import dev.hookline.testing.TestWebhooks;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A claim round that finds a delivery for a webhook this instance's view does not know yet (made by
 * another instance sharing the Store) looks the webhook up in the Store. If that lookup fails (a
 * connection lost for a moment), the delivery's worker must be given back: a count of {@code busy}
 * kept for a delivery that went nowhere is never given back, and with every worker counted the
 * dispatcher claims nothing ever again.
 */
class UnknownWebhookLookupFailureTest {
  private final Harness h = new Harness();
  private final AtomicBoolean failFindWebhookOnce = new AtomicBoolean();

  /** The harness's store, as this instance sees it: one findWebhook fails on cue. */
  private final Store store =
      StoreSpy.around(
          h.store,
          (method, args) -> {
            if (method.equals("findWebhook") && failFindWebhookOnce.compareAndSet(true, false)) {
              throw new IllegalStateException("connection lost (simulated)");
            }
          });

  /** This instance's registry. */
  private final WebhookRegistry registry =
      WebhookRegistry.builder()
          .store(store)
          .clock(h.clock)
          .filterCompiler(Filters.compiler())
          .allowInsecureLoopbackForDevelopment(true)
          .build();

  @Test
  void aFailedLookupOfAnUnknownWebhookDuringAClaimGivesBackItsWorker() throws Exception {
    try (LoopbackSink sink = LoopbackSink.recording();
        Dispatcher here =
            Dispatcher.builder()
                .registry(registry)
                .clock(h.clock)
                .jitter(() -> 0.5)
                .workers(1)
                .shutdownTimeout(Duration.ofSeconds(2))
                .build()) {
      // Another instance (the harness's registry on the same Store) creates a webhook and
      // publishes an event for it; this instance has not heard of the webhook yet.
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
      try (Dispatcher elsewhere = h.dispatcher(Duration.ofSeconds(2)).workers(1).build()) {
        assertEquals(1, elsewhere.publish(e).deliveries().size());
      }

      failFindWebhookOnce.set(true);
      assertThrows(IllegalStateException.class, here::runDueNow);
      assertTrue(here.toString().contains("busy=0]"), here.toString());

      // The Store works again: the delivery goes out, and a run ends once nothing is due.
      assertTimeoutPreemptively(Duration.ofSeconds(10), here::runDueNow);
      assertEquals(Map.of(e.id(), 1), sink.counts());
      assertEquals(1, here.summary(w.id()).succeeded());
    }
  }
}
