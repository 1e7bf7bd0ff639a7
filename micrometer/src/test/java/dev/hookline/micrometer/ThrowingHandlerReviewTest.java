package dev.hookline.micrometer;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.RetrySchedule;
import dev.hookline.filter.Filters;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.TestWebhooks;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Review (obs): an application's ObservationHandler that throws must not leave Hookline's own
 * meters wrong: the running-attempts long task timer leaks a task when a handler fails as the
 * observation starts or opens its scope, and the deliveries-failed counter (documented as the one
 * to alert on) is skipped when a handler fails as the observation stops.
 */
class ThrowingHandlerReviewTest {
  private static WireMockServer server;
  private final ManualClock clock = ManualClock.at(Instant.parse("2026-11-22T10:00:00Z"));
  private final WebhookRegistry registry =
      WebhookRegistry.builder()
          .store(new InMemoryStore())
          .clock(clock)
          .filterCompiler(Filters.compiler())
          .allowInsecureLoopbackForDevelopment(true)
          .build();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final ObservationRegistry observations = ObservationRegistry.create();
  private final ExecutorService worker = Executors.newSingleThreadExecutor();
  private @Nullable Dispatcher dispatcher;

  @BeforeAll
  static void startServer() {
    server = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
    server.start();
  }

  @AfterAll
  static void stopServer() {
    server.stop();
  }

  @AfterEach
  void tearDown() {
    if (dispatcher != null) {
      dispatcher.close();
    }
    worker.shutdownNow();
  }

  /** Throws in the one callback named. */
  private static final class Throwing implements ObservationHandler<Observation.Context> {
    private final String when;

    Throwing(String when) {
      this.when = when;
    }

    private void maybe(String now) {
      if (when.equals(now)) {
        throw new IllegalStateException("application handler failed in " + now);
      }
    }

    @Override
    public void onStart(Observation.Context context) {
      maybe("start");
    }

    @Override
    public void onScopeOpened(Observation.Context context) {
      maybe("scopeOpened");
    }

    @Override
    public void onStop(Observation.Context context) {
      maybe("stop");
    }

    @Override
    public boolean supportsContext(Observation.Context context) {
      return true;
    }
  }

  private Dispatcher dispatcher(String throwIn) {
    observations
        .observationConfig()
        .observationHandler(new DefaultMeterObservationHandler(meters))
        .observationHandler(new Throwing(throwIn));
    dispatcher =
        Dispatcher.builder()
            .registry(registry)
            .jitter(() -> 0.5)
            .retrySchedule(
                RetrySchedule.builder()
                    .delays(Duration.ofSeconds(10))
                    .attemptTimeout(Duration.ofSeconds(5))
                    .build())
            .workers(1)
            .workerExecutor(worker)
            .attemptObserver(HooklineObservations.builder(observations, meters).build())
            .shutdownTimeout(Duration.ofSeconds(2))
            .build();
    return dispatcher;
  }

  private void hook(String path) {
    Webhook w =
        registry.create(
            WebhookDefinition.builder()
                .name("test " + path)
                .uri(server.baseUrl() + path)
                .apiKey("test-api-key-0123456789")
                .events(UserEvents.CREATED)
                .build());
    TestWebhooks.markVerified(registry, w.id());
    registry.enable(w.id());
  }

  private Event event(String id) {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("user_id", "u1");
    return Event.builder(UserEvents.CREATED)
        .id(id)
        .occurredAt(clock.instant())
        .user("u1")
        .data(data)
        .build();
  }

  private int activeAttempts() {
    LongTaskTimer ltt = meters.find("hookline.delivery.attempts.active").longTaskTimer();
    return ltt == null ? 0 : ltt.activeTasks();
  }

  @Test
  void aHandlerFailingAsTheScopeOpensLeavesNoAttemptRunningForever() throws Exception {
    server.stubFor(post(urlEqualTo("/ok1")).willReturn(aResponse().withStatus(200)));
    Dispatcher d = dispatcher("scopeOpened");
    hook("/ok1");
    d.publish(event("evt_review_obs_1"));
    d.runDueNow();

    assertEquals(1, server.getAllServeEvents().size(), "delivered");
    // Nor may the attempt's observation stay current on the thread that ran it: the next attempt
    // there (and with micrometer-tracing, its span) would be its child.
    assertNull(observations.getCurrentObservation(), "current on the calling thread");
    assertNull(
        worker.submit(observations::getCurrentObservation).get(10, TimeUnit.SECONDS),
        "the failed attempt's observation is still current on the worker thread");
    assertEquals(
        0,
        activeAttempts(),
        "no attempt runs any more, yet hookline.delivery.attempts.active counts one for ever");
  }

  @Test
  void aHandlerFailingAsTheObservationStopsStillCountsTheFailedDelivery() {
    server.stubFor(post(urlEqualTo("/gone")).willReturn(aResponse().withStatus(410)));
    Dispatcher d = dispatcher("stop");
    hook("/gone");
    d.publish(event("evt_review_obs_2"));
    d.runDueNow();

    Counter failed =
        meters
            .find(HooklineObservations.DELIVERIES_FAILED)
            .tag("event.type", "user.created")
            .counter();
    assertEquals(
        1.0,
        failed == null ? 0.0 : failed.count(),
        "the delivery failed for good (410), but hookline.deliveries.failed was never counted");
    Counter disabled = meters.find(HooklineObservations.WEBHOOKS_DISABLED).counter();
    assertEquals(1.0, disabled == null ? 0.0 : disabled.count(), "webhook disabled not counted");
  }
}
