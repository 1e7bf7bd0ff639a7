package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Event;
import dev.hookline.Subject;
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
 * A delivery waiting in its endpoint's queue is started as the slot ahead of it frees up; its
 * webhook is looked up then, from the Store if the view no longer knows it (deleted meanwhile). A
 * failed lookup must not strand that delivery's worker, slot and tenant share.
 */
class QueuedForDeletedWebhookTest {
  private final Harness h = new Harness();
  private final AtomicBoolean failFindWebhook = new AtomicBoolean();

  private final Store store =
      StoreSpy.around(
          h.store,
          (method, args) -> {
            if (method.equals("findWebhook") && failFindWebhook.get()) {
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

  private Event acmeEvent(String id) {
    return Event.builder(UserEvents.CREATED)
        .id(id)
        .occurredAt(h.clock.instant())
        .subject(Subject.user("user-1").withTenant("acme"))
        .data(JsonNodeFactory.instance.objectNode().put("user_id", "user-1"))
        .build();
  }

  @Test
  void aFailedLookupAsAQueuedDeliveryStartsLeavesNothingHeld() throws Exception {
    try (LoopbackSink sink = LoopbackSink.recording()) {
      Webhook w =
          registry.create(
              WebhookDefinition.builder()
                  .name("queued")
                  .uri(sink.uri("/hook"))
                  .apiKey(Harness.API_KEY)
                  .events(UserEvents.CREATED)
                  .tenant("acme")
                  .build());
      TestWebhooks.markVerified(registry, w.id());
      registry.enable(w.id());
      try (Dispatcher d =
          Dispatcher.builder()
              .registry(registry)
              .clock(h.clock)
              .jitter(() -> 0.5)
              .workers(4)
              .perEndpointConcurrency(1)
              .perTenantConcurrency(2)
              .shutdownTimeout(Duration.ofSeconds(2))
              .build()
              .start()) {
        sink.pause();
        d.publish(acmeEvent("evt_acme_1"));
        d.publish(acmeEvent("evt_acme_2"));
        // One attempt held by the endpoint, the other waiting behind its only slot.
        Harness.await(Duration.ofSeconds(10), () -> sink.total() == 1);
        Harness.await(Duration.ofSeconds(10), () -> d.toString().contains("busy=2]"));

        registry.delete(w.id());
        failFindWebhook.set(true);
        sink.resume();

        Harness.await(Duration.ofSeconds(10), () -> d.toString().contains("busy=0]"));
        failFindWebhook.set(false);
        assertEquals(1, sink.total());
      }
    }
  }
}
