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
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.ObservationView;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Review r85: a started dispatcher sends a new delivery without a claim round trip, submitting its
 * attempt to the worker executor from the publishing thread. A worker executor that carries the
 * submitter's current observation into its tasks (context-propagation's {@code
 * ContextExecutorService}, as Spring Boot's task executors do) runs the attempt with the publishing
 * request's observation current: the attempt's observation took it as its parent, and a tracing
 * handler (micrometer-tracing's parents a span on the parent observation's span, else on the
 * tracer's current span, the one the carried scope made current) made the attempt's span a child of
 * the HTTP request that published, in its trace. The opentelemetry module was fixed for the same
 * hand-off in the fifth review round ({@code PublishHandOffContextReviewTest}): an attempt starts
 * its own trace, and what it links to is the publish context kept with the delivery.
 */
class PublishHandOffObservationReviewTest {
  private static final AtomicInteger EVENTS = new AtomicInteger();
  private static final String REQUEST = "http.server.requests";

  /** The bound on each wait for a delivery over loopback, which takes milliseconds. */
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void anAttemptHandedOffAtPublishIsNotAChildOfThePublishingRequest() {
    ObservationRegistry observations = ObservationRegistry.create();
    List<String> parents = new CopyOnWriteArrayList<>();
    List<String> currentSpans = new CopyOnWriteArrayList<>();
    List<Optional<String>> publishContexts = new CopyOnWriteArrayList<>();
    List<String> afterTask = new CopyOnWriteArrayList<>();
    // What a tracing handler keeps per thread: the span its onScopeOpened made current. A scope of
    // Micrometer's NullObservation (context-propagation's way to clear the current observation)
    // makes no span current.
    ThreadLocal<Deque<String>> inScope = ThreadLocal.withInitial(ArrayDeque::new);
    observations
        .observationConfig()
        .observationHandler(
            new ObservationHandler<Observation.Context>() {
              @Override
              public void onStart(Observation.Context context) {
                if (context instanceof AttemptObservationContext attempt) {
                  ObservationView parent = context.getParentObservation();
                  parents.add(parent == null ? "none" : parent.getContextView().getName());
                  currentSpans.add(inScope.get().isEmpty() ? "none" : inScope.get().peek());
                  publishContexts.add(attempt.request().publishContext());
                }
              }

              @Override
              public void onScopeOpened(Observation.Context context) {
                inScope.get().push(span(context));
              }

              @Override
              public void onScopeClosed(Observation.Context context) {
                inScope.get().removeFirstOccurrence(span(context));
              }

              private String span(Observation.Context context) {
                String name = context.getName();
                return context instanceof io.micrometer.observation.NullObservation.NullContext
                        || name == null
                    ? "none"
                    : name;
              }

              @Override
              public boolean supportsContext(Observation.Context context) {
                return true;
              }
            });

    WireMockServer server =
        new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
    server.start();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    // What context-propagation's ContextExecutorService does for the current observation; and
    // whether the task's thread has the carried observation current again once the task ran.
    Executor propagating =
        task -> {
          Observation current = observations.getCurrentObservation();
          pool.execute(
              current == null
                  ? task
                  : () ->
                      current.scoped(
                          () -> {
                            task.run();
                            Observation now = observations.getCurrentObservation();
                            afterTask.add(now == current ? "restored" : String.valueOf(now));
                          }));
        };
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(new InMemoryStore())
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    HooklineObservations metrics =
        HooklineObservations.builder(observations, new SimpleMeterRegistry()).build();
    Dispatcher d =
        Dispatcher.builder()
            .registry(registry)
            .workers(2)
            // Only the start's claim round, never a poll: a poll round forgets that the lane is
            // drained until its claim comes back, and a publish meanwhile is not handed off but
            // claimed by a round on the dispatcher's own thread, without the request's observation.
            .pollInterval(Duration.ofHours(1))
            .workerExecutor(propagating)
            .retrySchedule(
                RetrySchedule.builder()
                    .delays(Duration.ofSeconds(10))
                    .attemptTimeout(Duration.ofSeconds(5))
                    .build())
            // What a tracing application keeps with each delivery, to link the attempt to.
            .publishContext(
                event -> {
                  Observation current = observations.getCurrentObservation();
                  return Optional.of(
                      current == null
                          ? "no request"
                          : "published in " + current.getContext().getName());
                })
            .attemptObserver(metrics)
            .build();
    Observation request = Observation.createNotStarted(REQUEST, observations);
    try {
      server.stubFor(post(urlEqualTo("/hook")).willReturn(aResponse().withStatus(200)));
      Webhook w =
          registry.create(
              WebhookDefinition.builder()
                  .name("hook")
                  .uri(server.baseUrl() + "/hook")
                  .apiKey("test-api-key-0123456789")
                  .events(UserEvents.CREATED)
                  .build());
      TestWebhooks.markVerified(registry, w.id());
      registry.enable(w.id());
      d.start();
      // A first delivery drains the lane, so that the next one is handed off at publish.
      d.publish(event());
      Poll.until(WAIT, () -> server.getAllServeEvents().size() == 1, "the first delivery arrives");
      // The application publishes while it handles a request of its own.
      request.start();
      Observation.Scope s = request.openScope();
      try {
        d.publish(event());
      } finally {
        s.close();
        request.stop();
      }
      Poll.until(
          WAIT,
          () -> server.getAllServeEvents().size() == 2 && afterTask.size() == 1,
          "the second delivery arrives, handed off at publish with the request's observation");
    } finally {
      d.close();
      pool.shutdownNow();
      server.stop();
      metrics.close();
    }
    assertEquals(
        List.of("none", "none"),
        parents,
        "an attempt's observation is not a child of the request that published its event");
    assertEquals(
        List.of("none", "none"),
        currentSpans,
        "no span of the publishing request is current as the attempt's span starts");
    assertEquals(
        List.of(Optional.of("no request"), Optional.of("published in " + REQUEST)),
        publishContexts,
        "the attempt's context still tells the publish context kept with the delivery");
    assertEquals(
        List.of("restored"),
        afterTask,
        "the carried observation is current again on the worker once the attempt ended");
  }

  private static Event event() {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("user_id", "u1");
    return Event.builder(UserEvents.CREATED)
        .id("evt_handoff_" + EVENTS.incrementAndGet())
        .occurredAt(Instant.now())
        .user("u1")
        .data(data)
        .build();
  }
}
