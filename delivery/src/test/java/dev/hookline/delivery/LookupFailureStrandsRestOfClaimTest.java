package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

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
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A claim round whose Store lookup of a webhook the view does not know fails ends there; the
 * deliveries claimed with it that were not dispatched yet must not be left holding their leases
 * (they would wait, claimed by nobody, until the leases expire: minutes by default), but go back to
 * the Store with the one whose lookup failed.
 */
class LookupFailureStrandsRestOfClaimTest {
  private final Harness h = new Harness();
  private final AtomicBoolean failFindWebhookOnce = new AtomicBoolean();

  private final Store store =
      StoreSpy.around(
          h.store,
          (method, args) -> {
            if (method.equals("findWebhook") && failFindWebhookOnce.compareAndSet(true, false)) {
              throw new IllegalStateException("connection lost (simulated)");
            }
          });

  private final WebhookRegistry registry =
      WebhookRegistry.builder()
          .store(store)
          .clock(h.clock)
          .filterCompiler(Filters.compiler())
          .allowInsecureLoopbackForDevelopment(true)
          .build();

  private Webhook elsewhere(LoopbackSink sink, String name) {
    Webhook w =
        h.registry.create(
            WebhookDefinition.builder()
                .name(name)
                .uri(sink.uri("/" + name))
                .apiKey(Harness.API_KEY)
                .events(UserEvents.CREATED)
                .build());
    TestWebhooks.markVerified(h.registry, w.id());
    h.registry.enable(w.id());
    return w;
  }

  @Test
  void theRestOfAClaimGoesBackWhenALookupEndsTheRound() throws Exception {
    try (LoopbackSink sink = LoopbackSink.recording();
        Dispatcher here =
            Dispatcher.builder()
                .registry(registry)
                .clock(h.clock)
                .jitter(() -> 0.5)
                .workers(4)
                .shutdownTimeout(Duration.ofSeconds(2))
                .build()) {
      // One webhook this instance knows, receiving: claims size their batches by such webhooks.
      Webhook known =
          registry.create(
              WebhookDefinition.builder()
                  .name("known")
                  .uri(sink.uri("/known"))
                  .apiKey(Harness.API_KEY)
                  .events(UserEvents.UPDATED)
                  .build());
      TestWebhooks.markVerified(registry, known.id());
      registry.enable(known.id());
      Webhook a = elsewhere(sink, "a");
      Webhook b = elsewhere(sink, "b");
      Event e = h.event(UserEvents.CREATED);
      try (Dispatcher other = h.dispatcher(Duration.ofSeconds(2)).workers(1).build()) {
        assertEquals(2, other.publish(e).deliveries().size());
      }

      // One claim takes both deliveries; the lookup of the first one's webhook fails.
      failFindWebhookOnce.set(true);
      assertThrows(IllegalStateException.class, here::runDueNow);

      // The Store works again, and the clock has not moved: both go out now.
      assertTimeoutPreemptively(Duration.ofSeconds(10), here::runDueNow);
      assertEquals(1, here.summary(a.id()).succeeded(), "webhook a");
      assertEquals(1, here.summary(b.id()).succeeded(), "webhook b");
    }
  }
}
