package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hookline.DeliveryCounts;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.testing.LoopbackSink;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Claimed deliveries wait in their endpoint's queue behind its slots: the per-endpoint limit holds,
 * a freed slot goes to the next one waiting, and a dispatcher that closes hands every waiting
 * delivery back to the Store at once, unsent, for another dispatcher to send: none lost, none sent
 * twice.
 */
class EndpointQueueTest {
  private static final int EVENTS = 10;
  private static final int LIMIT = 2;

  @Test
  void waitingDeliveriesAreSentAsSlotsFreeAndHandedBackOnClose() throws Exception {
    Harness h = new Harness();
    try (LoopbackSink sink = LoopbackSink.recording()) {
      sink.pause();
      Webhook w = h.receiving(sink.uri("/queued"), null, UserEvents.CREATED);
      Dispatcher first =
          h.dispatcher(Duration.ofSeconds(10))
              .perEndpointConcurrency(LIMIT)
              .shutdownTimeout(Duration.ofSeconds(20))
              .build()
              .start();
      AtomicReference<Throwable> closing = new AtomicReference<>();
      Thread closer = new Thread(() -> {});
      try {
        for (int i = 0; i < EVENTS; i++) {
          first.publish(h.event(UserEvents.CREATED));
        }
        // Two requests held by the endpoint, the other eight claimed and waiting behind them.
        Harness.await(Duration.ofSeconds(10), () -> sink.total() == LIMIT);
        Harness.await(
            Duration.ofSeconds(10), () -> h.store.countDeliveries(w.id()).inFlight() == EVENTS);
        assertEquals(LIMIT, sink.total(), "no more than the endpoint's limit at once");

        // Closing hands the waiting eight back at once, while the two held attempts still run.
        closer =
            new Thread(
                () -> {
                  try {
                    first.close();
                  } catch (Throwable t) {
                    closing.set(t);
                  }
                });
        closer.start();
        Harness.await(
            Duration.ofSeconds(10),
            () -> h.store.countDeliveries(w.id()).pending() == EVENTS - LIMIT);
        assertEquals(LIMIT, sink.total(), "nothing waiting was sent once closing began");
      } finally {
        sink.resume();
        closer.join(30_000);
        first.close();
      }
      assertEquals(null, closing.get());
      DeliveryCounts afterClose = h.store.countDeliveries(w.id());
      assertEquals(
          LIMIT, afterClose.succeeded(), "the two running attempts finished: " + afterClose);
      assertEquals(
          EVENTS - LIMIT, afterClose.pending(), "the rest are queued again: " + afterClose);

      Dispatcher second =
          h.dispatcher(Duration.ofSeconds(10)).perEndpointConcurrency(LIMIT).build().start();
      try {
        Harness.await(
            Duration.ofSeconds(20), () -> h.store.countDeliveries(w.id()).succeeded() == EVENTS);
      } finally {
        second.close();
      }
      assertEquals(EVENTS, sink.distinct(), "every event arrived");
      assertEquals(EVENTS, sink.total(), "none twice");
    }
  }

  @Test
  void deliveriesHandedBackForAFullEndpointAreClaimedAgainWithoutWaitingForThePoll()
      throws Exception {
    // A claim sized for two endpoints' room returns fewer than it asked (so the lane counts as
    // drained), all for one endpoint, more than its slot and queue take (1 + 8): the rest are
    // handed back to the Store. They must go out as the slot frees up, not at the next poll,
    // which here is an hour away. (Found in a load probe: the last few deliveries of a burst
    // waited for the poll, a second by default.)
    Harness h = new Harness();
    try (LoopbackSink sink = LoopbackSink.recording()) {
      h.receiving(sink.uri("/other"), null, UserEvents.UPDATED); // room, but nothing to send
      Webhook w = h.receiving(sink.uri("/full"), null, UserEvents.CREATED);
      Dispatcher d =
          h.dispatcher(Duration.ofSeconds(10))
              .perEndpointConcurrency(1)
              .pollInterval(Duration.ofHours(1))
              .build();
      try {
        int events = 12;
        for (int i = 0; i < events; i++) {
          d.publish(h.event(UserEvents.CREATED)); // not started: queued, none claimed on publish
        }
        d.start(); // one claim round now, the next poll in an hour
        Harness.await(
            Duration.ofSeconds(20), () -> h.store.countDeliveries(w.id()).succeeded() == events);
        assertEquals(events, sink.total(), "each once");
      } finally {
        d.close();
      }
    }
  }
}
