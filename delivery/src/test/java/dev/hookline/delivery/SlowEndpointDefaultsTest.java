package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.testing.LoopbackSink;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * At default settings, a slow endpoint holds only its own slots: with hundreds of its deliveries
 * queued ahead and all of its requests left unanswered, another endpoint still gets every event.
 */
class SlowEndpointDefaultsTest {
  private static final int SLOW_EVENTS = 600; // more than one claim batch, all due first
  private static final int FAST_EVENTS = 20;
  private static final int DEFAULT_PER_ENDPOINT = 4;

  @Test
  void aSlowEndpointCannotStarveAFastOneAtDefaultSettings() throws Exception {
    Harness h = new Harness();
    try (LoopbackSink slow = LoopbackSink.recording();
        LoopbackSink fast = LoopbackSink.recording()) {
      Webhook slowHook = h.receiving(slow.uri("/slow"), null, UserEvents.CREATED);
      Webhook fastHook = h.receiving(fast.uri("/fast"), null, UserEvents.UPDATED);
      slow.pause(); // the slow endpoint's requests arrive and are held unanswered
      // Only what a test needs besides the defaults: a real clock for background mode, and an
      // attempt timeout long enough that the held requests stay in flight.
      try (Dispatcher dispatcher =
          Dispatcher.builder()
              .registry(h.registry)
              .clock(Clock.systemUTC())
              .retrySchedule(RetrySchedule.builder().attemptTimeout(Duration.ofSeconds(60)).build())
              .build()
              .start()) {
        List<Event> slowEvents = new ArrayList<>();
        for (int i = 0; i < SLOW_EVENTS; i++) {
          slowEvents.add(h.event(UserEvents.CREATED));
        }
        dispatcher.publish(slowEvents);
        Harness.await(Duration.ofSeconds(30), () -> slow.total() == DEFAULT_PER_ENDPOINT);

        List<Event> fastEvents = new ArrayList<>();
        for (int i = 0; i < FAST_EVENTS; i++) {
          fastEvents.add(h.event(UserEvents.UPDATED));
        }
        dispatcher.publish(fastEvents);
        Harness.await(
            Duration.ofSeconds(30),
            () -> dispatcher.summary(fastHook.id()).succeeded() == FAST_EVENTS);
        assertEquals(FAST_EVENTS, fast.total());
        assertEquals(
            DEFAULT_PER_ENDPOINT,
            slow.total(),
            "the slow endpoint holds exactly its own slots, no more requests went to it");
        assertEquals(0, dispatcher.summary(slowHook.id()).succeeded());

        slow.resume();
        Harness.await(
            Duration.ofSeconds(60),
            () -> dispatcher.summary(slowHook.id()).succeeded() == SLOW_EVENTS);
        assertEquals(SLOW_EVENTS, slow.distinct(), "each slow delivery arrived");
      }
    }
  }
}
