package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Delivery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.WebhookRegistry;
import dev.hookline.filter.Filters;
import dev.hookline.spi.Store;
import dev.hookline.testing.LoopbackSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Review r110's left-alone: a webhook the dispatcher's view does not know yet (made on another
 * instance) is read from the Store as its claimed delivery is dispatched. A lookup that failed with
 * a RuntimeException handed that delivery and the rest of the claim back; one that failed with an
 * Error (a Store's {@code LinkageError}, an {@code OutOfMemoryError}) left that delivery holding
 * its worker and the rest of the claim undispatched, each under its lease until it expired (the
 * default lease is 22 s; a day at most), with the workers counted busy for good.
 */
class WebhookLookupErrorTest {
  private final Harness h = new Harness();
  private final AtomicBoolean fail = new AtomicBoolean();
  private final Store store =
      StoreSpy.around(
          h.store,
          (method, args) -> {
            if (method.equals("findWebhook") && fail.get()) {
              throw new LinkageError("a Store class failed to link (simulated)");
            }
          });

  @Test
  void anErrorLookingUpAWebhookHandsTheWholeClaimBack() throws Exception {
    try (LoopbackSink sink = LoopbackSink.recording()) {
      WebhookRegistry here =
          WebhookRegistry.builder()
              .store(store)
              .clock(h.clock)
              .filterCompiler(Filters.compiler())
              .allowInsecureLoopbackForDevelopment(true)
              .build();
      try (Dispatcher d =
          Dispatcher.builder()
              .registry(here)
              .clock(h.clock)
              .workers(4)
              .shutdownTimeout(Duration.ofSeconds(2))
              .build()) {
        // Made, and published to, on "another instance" after d read the webhooks.
        h.receiving(sink.uri("/hook"), null, UserEvents.CREATED);
        List<Event> events = new ArrayList<>();
        try (Dispatcher elsewhere = h.dispatcher(Duration.ofSeconds(2)).build()) {
          for (int i = 0; i < 3; i++) {
            Event e = h.event(UserEvents.CREATED);
            events.add(e);
            elsewhere.publish(e);
          }
        }

        fail.set(true);
        assertThrows(LinkageError.class, d::runDueNow);
        assertTrue(d.toString().contains("busy=0]"), d.toString());
        for (Event e : events) {
          Delivery delivery = h.only(e.id());
          assertEquals(DeliveryState.PENDING, delivery.state(), delivery.toString());
          assertTrue(delivery.lease().isEmpty(), "still under lease: " + delivery);
        }

        fail.set(false);
        h.clock.advance(Duration.ofMinutes(2));
        assertTimeoutPreemptively(Duration.ofSeconds(10), d::runDueNow);
        for (Event e : events) {
          assertEquals(DeliveryState.SUCCEEDED, h.only(e.id()).state());
        }
        assertEquals(3, sink.counts().values().stream().mapToInt(Integer::intValue).sum());
      }
    }
  }
}
