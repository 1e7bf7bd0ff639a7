package dev.hookline.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.EventType;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.filter.Filters;
import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.Poll;
import dev.hookline.testing.TestWebhooks;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An endpoint back from an outage has its retries due at once, beside webhooks with nothing to
 * send. Its slots and queue fill, so the rounds that follow leave it out; a retries claim that left
 * it out came back short and marked the lane drained outright, and once the endpoint had room again
 * no round asked for its retries until the next poll (a second by default): the backlog went out a
 * batch per poll. Found in review (the first-attempts lane had been fixed for the same shape,
 * {@link SlowBacklogClaimsTest}). With the poll an hour away, the backlog stalled for good after
 * its first batches.
 */
class RetryBacklogClaimsTest {
  private static final int EVENTS = 120;

  private WireMockServer server;

  @BeforeEach
  void startServer() {
    server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    server.start();
    server.stubFor(post(urlEqualTo("/back")).willReturn(aResponse().withStatus(500)));
    server.stubFor(post(urlEqualTo("/idle")).willReturn(aResponse().withStatus(204)));
  }

  @AfterEach
  void stopServer() {
    server.stop();
  }

  @Test
  void anEndpointsRetryBacklogGoesOutAsItHasRoomNotAtEachPoll() {
    ManualClock clock = ManualClock.at(Instant.parse("2026-12-02T00:00:00Z"));
    AtomicInteger claims = new AtomicInteger();
    Store store =
        StoreSpy.around(
            new InMemoryStore(),
            (method, args) -> {
              if (method.equals("claim")) {
                claims.incrementAndGet();
              }
            });
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(store)
            .clock(clock)
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    Webhook back = webhook(registry, "back", "/back", UserEvents.CREATED);
    for (int i = 0; i < 9; i++) {
      webhook(registry, "idle-" + i, "/idle", UserEvents.DELETED);
    }
    // A breaker that never opens here: the outage is only the way to a backlog of retries.
    CircuitBreakerPolicy noBreaker =
        CircuitBreakerPolicy.builder().window(10_000).minimumAttempts(10_000).build();

    // The outage: every first attempt fails and is due again 3 s later.
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < EVENTS; i++) {
      events.add(
          Event.builder(UserEvents.CREATED)
              .id("evt_outage_" + i)
              .occurredAt(clock.instant())
              .user("u" + i)
              .data(JsonNodeFactory.instance.objectNode())
              .build());
    }
    try (Dispatcher outage =
        Dispatcher.builder()
            .registry(registry)
            .jitter(() -> 0.5)
            .circuitBreaker(noBreaker)
            .shutdownTimeout(Duration.ofSeconds(5))
            .build()) {
      outage.publish(events);
      for (int i = 0; i < EVENTS && server.getAllServeEvents().size() < EVENTS; i++) {
        outage.runDueNow();
      }
    }
    assertEquals(EVENTS, server.getAllServeEvents().size(), "first attempts during the outage");
    List<Delivery> retrying =
        store.findDeliveries(DeliveryQuery.builder().webhook(back.id()).build());
    assertTrue(
        retrying.stream().allMatch(d -> d.state() == DeliveryState.RETRYING), retrying.toString());

    // The endpoint is back (and answers in 20 ms); the retries are due. A poll an hour away: only
    // the dispatcher's start and its own rounds claim.
    server.resetAll();
    server.stubFor(
        post(urlEqualTo("/back")).willReturn(aResponse().withStatus(204).withFixedDelay(20)));
    clock.advance(Duration.ofMinutes(1));
    claims.set(0);
    try (Dispatcher d =
        Dispatcher.builder()
            .registry(registry)
            .jitter(() -> 0.5)
            .circuitBreaker(noBreaker)
            .pollInterval(Duration.ofHours(1))
            .webhookReloadInterval(Duration.ofHours(1))
            .shutdownTimeout(Duration.ofSeconds(5))
            .build()) {
      d.start();
      Poll.until(
          Duration.ofSeconds(30),
          () -> server.getAllServeEvents().size() >= EVENTS,
          () -> "retries sent " + server.getAllServeEvents().size() + " of " + EVENTS);
    }
    assertEquals(EVENTS, server.getAllServeEvents().size(), "each retry sent once");
    // Nor is the Store asked at every slot the endpoint frees while it is left out: batches of
    // half its slots and queue take about EVENTS / 18 claims.
    assertTrue(
        claims.get() <= EVENTS / 4,
        claims.get() + " claims for " + EVENTS + " retries to one endpoint");
  }

  private Webhook webhook(WebhookRegistry registry, String name, String path, EventType type) {
    Webhook w =
        registry.create(
            WebhookDefinition.builder()
                .name(name)
                .uri("http://127.0.0.1:" + server.port() + path)
                .apiKey(Harness.API_KEY)
                .events(type)
                .build());
    TestWebhooks.markVerified(registry, w.id());
    registry.enable(w.id());
    return w;
  }
}
