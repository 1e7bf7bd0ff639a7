package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mockingDetails;
import static org.mockito.Mockito.spy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.filter.Filters;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.LoopbackSink;
import dev.hookline.testing.TestWebhooks;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A dispatcher running in the background claims the deliveries of events published on it as they
 * are enqueued, and sends them without a claim round trip; deliveries it cannot take at once (no
 * room at the endpoint) are queued in the Store and claimed as usual.
 */
class HandoffTest {

  private static long calls(Object mock, String method) {
    return mockingDetails(mock).getInvocations().stream()
        .filter(i -> i.getMethod().getName().equals(method))
        .count();
  }

  private static Event event(int n) {
    return Event.builder(UserEvents.CREATED)
        .id("evt_handoff_" + n)
        .occurredAt(Instant.parse("2026-11-30T10:00:00Z"))
        .user("user-" + n)
        .data(JsonNodeFactory.instance.objectNode().put("n", n))
        .build();
  }

  private static WebhookRegistry registry(InMemoryStore store) {
    return WebhookRegistry.builder()
        .store(store)
        .filterCompiler(Filters.compiler())
        .allowInsecureLoopbackForDevelopment(true)
        .build();
  }

  private static Webhook receiving(WebhookRegistry registry, String uri) {
    Webhook w =
        registry.create(
            WebhookDefinition.builder()
                .name("handoff " + uri)
                .uri(uri)
                .apiKey(Harness.API_KEY)
                .events(UserEvents.CREATED)
                .build());
    TestWebhooks.markVerified(registry, w.id());
    return registry.enable(w.id());
  }

  @Test
  void publishedEventsAreSentWithoutAClaimAndTheRestAreClaimedAsUsual() throws Exception {
    InMemoryStore store = spy(new InMemoryStore());
    WebhookRegistry registry = registry(store);
    try (LoopbackSink sink = LoopbackSink.recording()) {
      Webhook w = receiving(registry, sink.uri("/h"));
      try (Dispatcher dispatcher =
          Dispatcher.builder()
              .registry(registry)
              .perEndpointConcurrency(1)
              .pollInterval(Duration.ofHours(1)) // only the poll at start claims by itself
              .build()
              .start()) {
        // The poll at start finds both lanes empty: from then on publishes may hand off.
        Harness.await(Duration.ofSeconds(10), () -> calls(store, "claim") >= 2);
        long claimsBefore = calls(store, "claim");
        int events = 5;
        for (int i = 1; i <= events; i++) {
          assertEquals(1, dispatcher.publish(event(i)).count());
          int expected = i;
          Harness.await(Duration.ofSeconds(10), () -> sink.distinct() == expected);
        }
        assertEquals(events, calls(store, "enqueueClaiming"), "each publish claimed its delivery");
        assertEquals(claimsBefore, calls(store, "claim"), "and no claim was needed");
        Harness.await(
            Duration.ofSeconds(10), () -> store.countDeliveries(w.id()).succeeded() == events);

        // One slot and a queue of 8, up to 64 for an endpoint this fast: a burst of 100 leaves the
        // rest queued in the Store, and a claim round takes them, in order.
        sink.pause();
        List<Event> burst = new ArrayList<>();
        int burstSize = 100;
        for (int i = 0; i < burstSize; i++) {
          burst.add(event(100 + i));
        }
        PublishResult result = dispatcher.publish(burst);
        assertEquals(burstSize, result.count());
        result
            .deliveries()
            .forEach(
                d -> assertEquals(DeliveryState.PENDING, d.state(), "shown as enqueued: " + d));
        sink.resume();
        Harness.await(
            Duration.ofSeconds(20),
            () -> store.countDeliveries(w.id()).succeeded() == events + burstSize);
        assertEquals(events + burstSize, sink.distinct());
        assertEquals(events + burstSize, sink.total(), "none sent twice");
        assertTrue(calls(store, "claim") > claimsBefore, "the rest were claimed");
      }
    }
  }

  /**
   * A publish while every worker is busy finds no room: its delivery is queued in the Store, and
   * the round that the publish asked for cannot claim it. The first attempt to end must then claim
   * it, instead of leaving it for the next poll (here an hour away).
   */
  @Test
  void aDeliveryPublishedWhileEveryWorkerIsBusyIsClaimedWhenOneFrees() throws Exception {
    InMemoryStore store = new InMemoryStore();
    WebhookRegistry registry = registry(store);
    try (LoopbackSink sink = LoopbackSink.recording()) {
      Webhook w = receiving(registry, sink.uri("/busy"));
      try (Dispatcher dispatcher =
          Dispatcher.builder()
              .registry(registry)
              .workers(1)
              .pollInterval(Duration.ofHours(1))
              .build()
              .start()) {
        sink.pause();
        dispatcher.publish(event(1));
        Harness.await(Duration.ofSeconds(10), () -> sink.total() == 1);
        dispatcher.publish(event(2)); // the one worker is busy: queued in the Store
        assertEquals(1, store.countDeliveries(w.id()).pending());
        sink.resume();
        Harness.await(Duration.ofSeconds(10), () -> store.countDeliveries(w.id()).succeeded() == 2);
        assertEquals(2, sink.distinct());
      }
    }
  }
}
