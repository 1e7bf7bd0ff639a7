package dev.hookline.otel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.RetrySchedule;
import dev.hookline.filter.Filters;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.Poll;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * Review r73: a started dispatcher sends a new delivery without a claim round trip, submitting its
 * attempt to the worker executor from the publishing thread. A worker executor that carries the
 * submitter's context (the OpenTelemetry Java agent does so to every executor; {@code
 * Context.taskWrapping} on purpose) runs the attempt inside the publisher's context: the attempt
 * span becomes a child of the publishing request's SERVER span instead of a root linked to it (as
 * the module documents and {@link SpanChainReviewTest} expects), and an opted-in customer endpoint
 * receives a {@code traceparent} carrying the trace id of the host's own request that published.
 */
class PublishHandOffContextReviewTest {

  @Test
  void anAttemptHandedOffAtPublishIsARootSpanLinkedToThePublish() throws Exception {
    Fixture f = new Fixture();
    InMemoryStore store = new InMemoryStore();
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(store)
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (Listener listener = new Listener()) {
      HooklineTelemetry tracing = HooklineTelemetry.builder(f.otel).propagateTo(w -> true).build();
      Dispatcher d =
          Dispatcher.builder()
              .registry(registry)
              .workers(2)
              // Only the start's claim round, never a poll: a poll round forgets that the lane is
              // drained until its claim comes back, and a publish meanwhile is not handed off but
              // claimed on the dispatcher's own thread, so the test would not exercise the
              // hand-off.
              .pollInterval(Duration.ofHours(1))
              .workerExecutor(Context.taskWrapping(pool))
              .retrySchedule(
                  RetrySchedule.builder()
                      .delays(Duration.ofSeconds(10))
                      .attemptTimeout(Duration.ofSeconds(5))
                      .build())
              .publishContext(tracing.publishContextCapturer())
              .attemptObserver(tracing)
              .build();
      String traceOfRequest;
      try {
        Fixture.receiving(registry, "hook", listener.uri("/hook"));
        d.start();
        // A first delivery drains the lane, so that the next one is handed off at publish.
        d.publish(Fixture.event(Instant.now()));
        Poll.until(
            Duration.ofSeconds(30),
            () -> listener.requests("/hook").size() == 1,
            "the first delivery arrives");
        // The application publishes while it handles a request of its own.
        Span request =
            f.otel
                .getTracer("app")
                .spanBuilder("POST /orders")
                .setSpanKind(SpanKind.SERVER)
                .startSpan();
        traceOfRequest = request.getSpanContext().getTraceId();
        Scope s = request.makeCurrent();
        try {
          d.publish(Fixture.event(Instant.now()));
        } finally {
          s.close();
          request.end();
        }
        Poll.until(
            Duration.ofSeconds(30),
            () -> listener.requests("/hook").size() == 2,
            "the second delivery arrives");
      } finally {
        d.close();
      }
      List<SpanData> attempts =
          f.spans.getFinishedSpanItems().stream()
              .filter(s -> s.getKind() == SpanKind.CLIENT)
              .toList();
      assertEquals(2, attempts.size(), attempts.toString());
      for (SpanData s : attempts) {
        assertFalse(
            s.getParentSpanContext().isValid(),
            "an attempt span is a root linked to its publish, not a child of the publishing"
                + " request's span: "
                + s.getName()
                + " has parent "
                + s.getParentSpanId());
      }
      String sent = listener.requests("/hook").get(1).get("traceparent").get(0);
      assertNotEquals(
          traceOfRequest,
          sent.substring(3, 35),
          "the customer's endpoint was sent the trace id of the host's own request: " + sent);
    } finally {
      pool.shutdownNow();
      f.otel.close();
    }
  }
}
