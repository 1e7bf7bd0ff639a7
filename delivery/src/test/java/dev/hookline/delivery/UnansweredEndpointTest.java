package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Event;
import dev.hookline.EventType;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.filter.Filters;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.LoopbackSink;
import dev.hookline.testing.Poll;
import dev.hookline.testing.TestWebhooks;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An endpoint that never answers holds its slots' worth of workers, not its slots and its queue.
 * Deliveries waiting behind its slots only waited out the same timeouts, each holding a worker:
 * with the defaults an endpoint that never answers held 36 workers (4 slots, 32 waiting) until its
 * breaker opened, so with {@code workers} below that one such endpoint stopped every other one
 * (found in review). Now, once its last four exchanges went unanswered, what waits for it goes back
 * to the Store and nothing more queues behind its slots, so the others get the rest of the workers.
 */
class UnansweredEndpointTest {
  private static final int BACKLOG = 200;
  private static final int HEALTHY = 20;

  @Test
  void anEndpointThatNeverAnswersHoldsOnlyItsSlotsOnceItsExchangesTimeOut() throws Exception {
    InMemoryStore store = new InMemoryStore();
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(store)
            .clock(Clock.systemUTC())
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    try (LoopbackSink dead = LoopbackSink.recording();
        LoopbackSink healthy = LoopbackSink.recording()) {
      dead.pause(); // holds every request unanswered: each attempt times out
      Webhook deadHook = webhook(registry, "dead", dead.uri("/dead"), UserEvents.CREATED);
      webhook(registry, "healthy", healthy.uri("/healthy"), UserEvents.UPDATED);
      RetrySchedule deadSchedule =
          RetrySchedule.builder()
              .attemptTimeout(Duration.ofMillis(300))
              .delays(Duration.ofHours(1))
              .build();
      RetrySchedule healthySchedule =
          RetrySchedule.builder()
              .attemptTimeout(Duration.ofSeconds(5))
              .delays(Duration.ofHours(1))
              .build();
      try (Dispatcher d =
          Dispatcher.builder()
              .registry(registry)
              .workers(24) // fewer than an endpoint's slots and queue (36)
              // 300 ms for the dead endpoint; the healthy one gets 5 s (half the lease the
              // default schedule's timeout gives), or on a loaded machine one of its attempts
              // timed out and was due again an hour later (seen once: 19 of 20 under a load
              // average of 15).
              .retrySchedule(deadSchedule)
              .retrySchedules(w -> w.id().equals(deadHook.id()) ? deadSchedule : healthySchedule)
              // A breaker that stays closed: this is about the workers, not the breaker.
              .circuitBreaker(
                  CircuitBreakerPolicy.builder().window(10_000).minimumAttempts(10_000).build())
              .shutdownTimeout(Duration.ofSeconds(5))
              .build()) {
        d.publish(events(UserEvents.CREATED, "dead", BACKLOG));
        d.start();
        // Its first four attempts time out; the next ones are then under way.
        Poll.until(
            Duration.ofSeconds(30),
            () -> dead.total() >= 5,
            () -> "the dead endpoint was sent " + dead.total());
        // What the dispatcher holds for it (running or waiting behind its slots) is claimed in the
        // Store: its slots' worth, not the 24 workers. Before, it held every worker until its
        // backlog of 200 ran out, 4 timeouts at a time.
        Poll.until(
            Duration.ofSeconds(10),
            () -> store.countDeliveries(deadHook.id()).inFlight() <= 4,
            () ->
                "the dead endpoint holds "
                    + store.countDeliveries(deadHook.id()).inFlight()
                    + " deliveries after "
                    + dead.total()
                    + " requests");
        // And the other endpoint gets the workers it left.
        d.publish(events(UserEvents.UPDATED, "healthy", HEALTHY));
        Poll.until(
            Duration.ofSeconds(30),
            () -> healthy.total() >= HEALTHY,
            () -> "healthy endpoint got " + healthy.total() + " of " + HEALTHY);
        assertEquals(HEALTHY, healthy.distinct());
        assertTrue(
            store.countDeliveries(deadHook.id()).pending() >= BACKLOG - 40,
            "the dead endpoint's backlog waits in the Store: "
                + store.countDeliveries(deadHook.id()));
      } finally {
        dead.resume();
      }
    }
  }

  private static Webhook webhook(
      WebhookRegistry registry, String name, String uri, EventType type) {
    Webhook w =
        registry.create(
            WebhookDefinition.builder()
                .name(name)
                .uri(uri)
                .apiKey(Harness.API_KEY)
                .events(type)
                .build());
    TestWebhooks.markVerified(registry, w.id());
    registry.enable(w.id());
    return w;
  }

  private static List<Event> events(EventType type, String prefix, int n) {
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      events.add(
          Event.builder(type)
              .id("evt_" + prefix + "_" + i)
              .occurredAt(Instant.parse("2026-12-02T00:00:00Z"))
              .user("u" + i)
              .data(JsonNodeFactory.instance.objectNode())
              .build());
    }
    return events;
  }
}
