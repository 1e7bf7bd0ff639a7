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
 * With a small {@code perTenantConcurrency}, the round a worker runs as its attempt ends still
 * claims the tenant's next deliveries. It waited for room for half an endpoint's slots and queue
 * (18 at the default per-endpoint limit), which a tenant limited below that never has, so only the
 * polls claimed: a tenant limited to 2 got 2 deliveries per poll interval, whatever its endpoints'
 * speed (found in review: the contention tests drained at 3 deliveries per 20 ms poll).
 */
class TenantLimitClaimsTest {
  private static final int EVENTS = 20;

  @Test
  void aTenantBelowHalfAnEndpointsSlotsIsClaimedForAsItsAttemptsEndNotOnlyByThePoll()
      throws Exception {
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(new InMemoryStore())
            .clock(Clock.systemUTC())
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    try (LoopbackSink sink = LoopbackSink.recording()) {
      for (int i = 0; i < 2; i++) {
        Webhook w =
            registry.create(
                WebhookDefinition.builder()
                    .tenant("acme")
                    .name("acme-" + i)
                    .uri(sink.uri("/acme/" + i))
                    .apiKey(Harness.API_KEY)
                    .events(UserEvents.CREATED)
                    .build());
        TestWebhooks.markVerified(registry, w.id());
        registry.enable(w.id());
      }
      try (Dispatcher d =
          Dispatcher.builder()
              .registry(registry)
              .perTenantConcurrency(2)
              .pollInterval(Duration.ofHours(1)) // only the poll at start claims by itself
              .shutdownTimeout(Duration.ofSeconds(2))
              .build()
              .start()) {
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
          events.add(
              Event.builder(UserEvents.CREATED)
                  .id("evt_tenant_" + i)
                  .occurredAt(Instant.parse("2026-12-02T00:00:00Z"))
                  .subject(Subject.user("u" + i).withTenant("acme"))
                  .data(JsonNodeFactory.instance.objectNode())
                  .build());
        }
        int n = d.publish(events).count();
        assertEquals(2 * EVENTS, n);
        Poll.until(
            Duration.ofSeconds(20),
            () -> sink.total() == n,
            () -> "delivered " + sink.total() + " of " + n + "; the next poll is an hour away");
        assertEquals(n, sink.total());
      }
    }
  }
}
