package dev.hookline.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.filter.Filters;
import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
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
 * An endpoint whose breaker would grant a probe is claimed one delivery, not its whole backlog.
 * Claimed with the other webhooks, its backlog came back as far as its slots and queue reached, one
 * went out as the probe and the rest went back to the Store, one write each, at every cool-down:
 * found in review (an admin test whose forty failures took 13 to 18 s on PostgreSQL), 35 hand-backs
 * per cool-down for 36 queued deliveries.
 */
class BreakerProbeClaimsTest {
  private static final int EVENTS = 40;

  private WireMockServer server;
  private final AtomicInteger releases = new AtomicInteger();
  private final AtomicInteger probeClaims = new AtomicInteger();
  private WebhookRegistry registry;
  private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-02T00:00:00Z"));
  private Webhook webhook;
  private Dispatcher dispatcher;

  @BeforeEach
  void setUp() {
    server = new WireMockServer(options().dynamicPort());
    server.start();
    server.stubFor(post(urlEqualTo("/h")).willReturn(aResponse().withStatus(500)));
    Store store =
        StoreSpy.around(
            new InMemoryStore(),
            (method, args) -> {
              if (method.equals("release")) {
                releases.incrementAndGet();
              } else if (method.equals("claim")
                  && ((dev.hookline.spi.ClaimRequest) args[0]).maxPerWebhook() == 1) {
                probeClaims.incrementAndGet();
              }
            });
    registry =
        WebhookRegistry.builder()
            .store(store)
            .clock(clock)
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    webhook =
        registry.create(
            WebhookDefinition.builder()
                .name("broken")
                .uri("http://127.0.0.1:" + server.port() + "/h")
                .apiKey(Harness.API_KEY)
                .events(UserEvents.CREATED)
                .build());
    TestWebhooks.markVerified(registry, webhook.id());
    registry.enable(webhook.id());
    dispatcher =
        Dispatcher.builder()
            .registry(registry)
            .clock(clock)
            // In background mode only the poll at start probes by itself: a poll a second probed
            // too, so the probe claims counted below grew with the run's wall time.
            .pollInterval(Duration.ofHours(1))
            .retrySchedule(
                RetrySchedule.builder()
                    .delays(List.of()) // one attempt each: a failure is final
                    .attemptTimeout(Duration.ofSeconds(5))
                    .build())
            .build();
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < EVENTS; i++) {
      events.add(
          Event.builder(UserEvents.CREATED)
              .id("evt_probe_" + i)
              .occurredAt(clock.instant())
              .user("u" + i)
              .data(JsonNodeFactory.instance.objectNode())
              .build());
    }
    assertEquals(EVENTS, dispatcher.publish(events).count());
  }

  @AfterEach
  void tearDown() {
    dispatcher.close();
    server.stop();
  }

  @Test
  void eachCoolDownClaimsOneProbeAndHandsNothingBack() {
    dispatcher.runDueNow(); // the breaker opens part way; what was queued behind it goes back
    int failed = (int) dispatcher.summary(webhook.id()).failed();
    assertTrue(failed < EVENTS, "the breaker opened: " + failed + " failed");
    int afterOpening = releases.get();
    for (int cooldown = 0; failed < EVENTS && cooldown < EVENTS; cooldown++) {
      clock.advance(Duration.ofMinutes(1)); // the breaker's default cool-down
      assertEquals(1, dispatcher.runDueNow(), "one probe per cool-down");
      failed = (int) dispatcher.summary(webhook.id()).failed();
    }
    assertEquals(EVENTS, failed);
    assertEquals(
        afterOpening,
        releases.get(),
        "deliveries claimed with the probe and handed back unsent, after the breaker opened");
  }

  @Test
  void aProbeThatSucceedsLetsTheBacklogOutAtOnce() {
    dispatcher.runDueNow();
    int failed = (int) dispatcher.summary(webhook.id()).failed();
    server.stubFor(post(urlEqualTo("/h")).willReturn(aResponse().withStatus(204)));
    clock.advance(Duration.ofMinutes(1));
    dispatcher.runDueNow(); // the probe succeeds, and the same run sends the rest
    assertEquals(EVENTS - failed, (int) dispatcher.summary(webhook.id()).succeeded());
  }

  @Test
  void anEndpointAwaitingAProbeWithNothingDueCostsNoClaimPerRound() {
    for (int i = 0; i < EVENTS && dispatcher.summary(webhook.id()).failed() < EVENTS; i++) {
      dispatcher.runDueNow();
      clock.advance(Duration.ofMinutes(1));
    }
    assertEquals(EVENTS, (int) dispatcher.summary(webhook.id()).failed());
    // Its breaker would grant a probe now, and it has nothing due. Another webhook's backlog
    // makes many claim rounds as its attempts end.
    server.stubFor(
        post(urlEqualTo("/ok")).willReturn(aResponse().withStatus(204).withFixedDelay(5)));
    Webhook healthy =
        registry.create(
            WebhookDefinition.builder()
                .name("healthy")
                .uri("http://127.0.0.1:" + server.port() + "/ok")
                .apiKey(Harness.API_KEY)
                .events(UserEvents.DELETED)
                .build());
    TestWebhooks.markVerified(registry, healthy.id());
    registry.enable(healthy.id());
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      events.add(
          Event.builder(UserEvents.DELETED)
              .id("evt_ok_" + i)
              .occurredAt(clock.instant())
              .user("u" + i)
              .data(JsonNodeFactory.instance.objectNode())
              .build());
    }
    dispatcher.publish(events);
    probeClaims.set(0);
    dispatcher.start();
    dev.hookline.testing.Poll.until(
        Duration.ofSeconds(60),
        () -> dispatcher.summary(healthy.id()).succeeded() == 120,
        () -> "delivered " + dispatcher.summary(healthy.id()).succeeded());
    // A probe claim per probing round (here only the one at start), not one per round.
    assertEquals(1, probeClaims.get(), "probe claims for 120 deliveries");
  }
}
