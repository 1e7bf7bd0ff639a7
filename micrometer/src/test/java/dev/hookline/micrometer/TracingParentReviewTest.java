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
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The Micrometer fix for attempts started from within another attempt's propagated context
 * (4c0c9c6) sets the new attempt's parent observation to the earlier attempt's parent, here none. A
 * tracing handler (micrometer-tracing's DefaultTracingObservationHandler and
 * PropagatingSenderTracingObservationHandler, on the Brave or the OpenTelemetry bridge) parents a
 * span on the parent observation's span when there is one, and otherwise on the tracer's current
 * span, which is the span its onScopeOpened made current: here, the earlier attempt's, whose scope
 * the propagating executor opened around the task. So the span is still the child of an unrelated
 * delivery's attempt. The handler below does what those handlers do, with a thread-local current
 * span instead of a tracer.
 */
class TracingParentReviewTest {
  private static final AtomicInteger EVENTS = new AtomicInteger();

  @Test
  void anAttemptStartedFromAFreedSlotIsNotTheChildOfThePreviousAttempt() {
    WireMockServer server =
        new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
    server.start();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    ObservationRegistry observations = ObservationRegistry.create();
    List<String> parents = new CopyOnWriteArrayList<>();
    // The tracer's current span: what micrometer-tracing's handlers put in scope (a stack).
    ThreadLocal<java.util.Deque<Observation.Context>> inScope =
        ThreadLocal.withInitial(java.util.ArrayDeque::new);
    observations
        .observationConfig()
        .observationHandler(
            new ObservationHandler<Observation.Context>() {
              @Override
              public void onStart(Observation.Context context) {
                // getParentSpan(context) != null ? nextSpan(parent) : nextSpan() (the current one)
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
                .id("evt_tracing_" + EVENTS.incrementAndGet())
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
    assertEquals(6, parents.size());
    assertEquals(
        List.of("null", "null", "null", "null", "null", "null"),
        parents,
        "each attempt's span has no parent, not the previous delivery's attempt");
  }
}
