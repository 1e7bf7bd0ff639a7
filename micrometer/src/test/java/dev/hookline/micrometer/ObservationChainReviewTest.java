package dev.hookline.micrometer;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
import dev.hookline.testing.Poll;
import dev.hookline.testing.TestWebhooks;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The freed-slot hand-off under Micrometer. The next queued delivery is handed to the worker
 * executor as the previous attempt ends; an executor that propagates the current observation into
 * its tasks (as context-propagation's {@code ContextExecutorService} does; and with
 * micrometer-tracing on the OpenTelemetry bridge the Java agent carries the current span the same
 * way) must not make the next attempt's observation, nor its span, a child of an unrelated
 * delivery's attempt.
 */
class ObservationChainReviewTest {
  private static final AtomicInteger EVENTS = new AtomicInteger();

  @Test
  void anAttemptStartedFromAFreedSlotIsNotTheChildOfThePreviousAttempt() {
    ObservationRegistry observations = ObservationRegistry.create();
    List<String> parents = new CopyOnWriteArrayList<>();
    observations
        .observationConfig()
        .observationHandler(
            new ObservationHandler<Observation.Context>() {
              @Override
              public void onStart(Observation.Context context) {
                parents.add(String.valueOf(context.getParentObservation()));
              }

              @Override
              public boolean supportsContext(Observation.Context context) {
                return context instanceof AttemptObservationContext;
              }
            });
    sixDeliveriesThroughAPropagatingExecutor(observations);
    assertEquals(
        List.of("null", "null", "null", "null", "null", "null"),
        parents,
        "each attempt's observation has no parent, not the previous delivery's attempt");
  }

  /**
   * A tracing handler (micrometer-tracing's, on the Brave or the OpenTelemetry bridge) parents a
   * span on the parent observation's span when there is one, and otherwise on the tracer's current
   * span, the one its onScopeOpened made current: with the previous attempt's scope still open
   * around the hand-off, that was the earlier attempt's. This handler does what those do, with a
   * thread-local current span instead of a tracer.
   */
  @Test
  void anAttemptStartedFromAFreedSlotIsNotInThePreviousAttemptsSpan() {
    ObservationRegistry observations = ObservationRegistry.create();
    List<String> parents = new CopyOnWriteArrayList<>();
    ThreadLocal<Deque<Observation.Context>> inScope = ThreadLocal.withInitial(ArrayDeque::new);
    observations
        .observationConfig()
        .observationHandler(
            new ObservationHandler<Observation.Context>() {
              @Override
              public void onStart(Observation.Context context) {
                Object parent =
                    context.getParentObservation() != null
                        ? context.getParentObservation().getContextView()
                        : inScope.get().peek();
                parents.add(parent == null ? "null" : "an attempt");
              }

              @Override
              public void onScopeOpened(Observation.Context context) {
                inScope.get().push(context);
              }

              @Override
              public void onScopeClosed(Observation.Context context) {
                inScope.get().removeFirstOccurrence(context);
              }

              @Override
              public boolean supportsContext(Observation.Context context) {
                return context instanceof AttemptObservationContext;
              }
            });
    sixDeliveriesThroughAPropagatingExecutor(observations);
    assertEquals(
        List.of("null", "null", "null", "null", "null", "null"),
        parents,
        "each attempt's span has no parent, not the previous delivery's attempt");
  }

  /** Six deliveries to one endpoint, one at a time, through an observation-propagating executor. */
  private static void sixDeliveriesThroughAPropagatingExecutor(ObservationRegistry observations) {
    WireMockServer server =
        new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
    server.start();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    // What context-propagation's ContextExecutorService does for the current observation.
    Executor propagating =
        task -> {
          Observation current = observations.getCurrentObservation();
          pool.execute(current == null ? task : () -> current.scoped(task));
        };
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(new InMemoryStore())
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    Dispatcher d =
        Dispatcher.builder()
            .registry(registry)
            .workers(2)
            .perEndpointConcurrency(1)
            .workerExecutor(propagating)
            .retrySchedule(
                RetrySchedule.builder()
                    .delays(Duration.ofSeconds(10))
                    .attemptTimeout(Duration.ofSeconds(5))
                    .build())
            .attemptObserver(
                HooklineObservations.builder(
                        observations,
                        new io.micrometer.core.instrument.simple.SimpleMeterRegistry())
                    .build())
            .build();
    try {
      server.stubFor(post(urlEqualTo("/busy")).willReturn(aResponse().withStatus(200)));
      Webhook w =
          registry.create(
              WebhookDefinition.builder()
                  .name("busy")
                  .uri(server.baseUrl() + "/busy")
                  .apiKey("test-api-key-0123456789")
                  .events(UserEvents.CREATED)
                  .build());
      TestWebhooks.markVerified(registry, w.id());
      registry.enable(w.id());
      for (int i = 0; i < 6; i++) {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("user_id", "u1");
        d.publish(
            Event.builder(UserEvents.CREATED)
                .id("evt_chain_" + EVENTS.incrementAndGet())
                .occurredAt(Instant.now())
                .user("u1")
                .data(data)
                .build());
      }
      d.start();
      Poll.until(
          Duration.ofSeconds(10),
          () -> server.getAllServeEvents().size() == 6,
          "the six deliveries reach the endpoint");
    } finally {
      d.close();
      pool.shutdownNow();
      server.stop();
    }
  }
}
