package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.spy;

import dev.hookline.Delivery;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.filter.Filters;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.LoopbackSink;
import dev.hookline.testing.TestWebhooks;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A webhook made on another instance (this dispatcher's view does not know it yet) is deleted here
 * while the dispatcher reads it from the Store for a delivery it claimed. Once {@code delete}
 * returned, nothing more is sent to it: the lookup that raced the deletion must not put the deleted
 * webhook back into the view, where the claimed delivery (and any other already claimed) then finds
 * it and is sent.
 */
class DeletedDuringLookupReviewTest {

  @Test
  void aWebhookDeletedWhileTheViewReadsItIsNotSentTo() throws Exception {
    InMemoryStore store = spy(new InMemoryStore());
    Harness h = new Harness(store);
    try (LoopbackSink sink = LoopbackSink.recording();
        Dispatcher dispatcher = h.dispatcher(Duration.ofSeconds(2)).build()) {
      // Another instance on the same Store creates and enables the webhook: this dispatcher's
      // registry is not told, and its view is fresh, so it does not reload.
      WebhookRegistry other =
          WebhookRegistry.builder()
              .store(store)
              .clock(h.clock)
              .filterCompiler(Filters.compiler())
              .allowInsecureLoopbackForDevelopment(true)
              .build();
      Webhook w =
          other.create(
              WebhookDefinition.builder()
                  .name("made elsewhere")
                  .uri(sink.uri("/elsewhere"))
                  .apiKey(Harness.API_KEY)
                  .events(UserEvents.CREATED)
                  .build());
      TestWebhooks.markVerified(other, w.id());
      other.enable(w.id());
      store.enqueue(
          List.of(
              Delivery.pending(
                  "dlv_elsewhere_1", w.id(), h.event(UserEvents.CREATED), h.clock.instant())));
      // This instance deletes it just as the dispatcher's lookup has read it from the Store.
      AtomicBoolean deleted = new AtomicBoolean();
      doAnswer(
              inv -> {
                @SuppressWarnings("unchecked")
                Optional<Webhook> read = (Optional<Webhook>) inv.callRealMethod();
                if (inv.getArgument(0).equals(w.id()) && read.isPresent() && !deleted.get()) {
                  deleted.set(h.registry.delete(w.id()));
                }
                return read;
              })
          .when(store)
          .findWebhook(anyString());

      dispatcher.runDueNow();

      assertTrue(deleted.get(), "the webhook was deleted during the lookup");
      assertEquals(0, sink.total(), "requests sent to the webhook after delete() returned");
    }
  }
}
