package dev.hookline.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Event;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Review r119: the pending and retrying gauges are read again once {@code refresh} (30 s) has
 * passed since the last read, measured on a wall clock ({@code Clock.systemUTC()} by default). When
 * that clock is stepped back (an NTP correction, a VM resumed from a snapshot), the last read lies
 * in the future, and the gauges kept the old counts until the clock had caught up with it again:
 * for an hour after a one-hour step, whatever the queue did.
 */
class GaugeClockStepReviewTest {

  @Test
  void aClockSteppedBackDoesNotFreezeTheCountsUntilItCatchesUp() {
    ManualClock clock = ManualClock.at(Instant.parse("2026-12-02T10:00:00Z"));
    WebhookRegistry registry =
        GaugeFixtures.registryWithOneWebhook(new InMemoryStore(), clock, "clock step");
    try (Dispatcher d = Dispatcher.builder().registry(registry).clock(clock).build()) {
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      HooklineMeterBinder.of(d, clock, Duration.ofSeconds(30)).bindTo(meters);
      d.publish(event("evt_step_1", clock));
      assertEquals(1.0, pending(meters));

      clock.set(clock.instant().minus(Duration.ofHours(1))); // the wall clock is stepped back
      d.publish(event("evt_step_2", clock));
      clock.advance(Duration.ofSeconds(31)); // a refresh interval later, as the clock now reads
      assertEquals(
          2.0,
          pending(meters),
          "31 s after the clock was stepped back an hour, the gauge still read the count of"
              + " before the step");
    }
  }

  private static double pending(SimpleMeterRegistry meters) {
    return meters.get(HooklineMeterBinder.PENDING).gauge().value();
  }

  private static Event event(String id, ManualClock clock) {
    return Event.builder(UserEvents.CREATED)
        .id(id)
        .occurredAt(clock.instant())
        .subject(Subject.user("u1"))
        .data(JsonNodeFactory.instance.objectNode().put("user_id", "u1"))
        .build();
  }
}
