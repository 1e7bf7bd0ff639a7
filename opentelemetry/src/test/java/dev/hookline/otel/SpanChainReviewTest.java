package dev.hookline.otel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.RetrySchedule;
import dev.hookline.filter.Filters;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.Poll;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * Review (obs): when an attempt's exchange ends, its endpoint slot goes to the next queued delivery
 * ({@code exchangeEnded} → {@code ClaimLoop.freeSlot} → {@code launch} → {@code
 * workerPool.execute}) while the attempt's span is still current on the worker thread. A worker
 * executor that carries the submitter's context into the task, as the OpenTelemetry Java agent does
 * to every executor and {@code Context.taskWrapping} does on purpose, runs the next delivery's
 * attempt inside the previous, unrelated attempt's CLIENT span: the instrumentation API then
 * suppresses the nested CLIENT span, so that attempt has no span at all (and an opted-in endpoint
 * no traceparent). On a busy endpoint most attempts start this way.
 */
class SpanChainReviewTest {

  @Test
  void theNextQueuedDeliveryIsNotAChildOfThePreviousAttempt() throws Exception {
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
      Dispatcher d =
          Dispatcher.builder()
              .registry(registry)
              .workers(2)
              .perEndpointConcurrency(1)
              .workerExecutor(Context.taskWrapping(pool))
              .retrySchedule(
                  RetrySchedule.builder()
                      .delays(Duration.ofSeconds(10))
                      .attemptTimeout(Duration.ofSeconds(5))
                      .build())
              .attemptObserver(HooklineTelemetry.builder(f.otel).build())
              .build();
      try {
        Fixture.receiving(registry, "busy", listener.uri("/busy"));
        for (int i = 0; i < 6; i++) {
          d.publish(
              Fixture.event(Instant.now())); // claimed together: one in the slot, the rest queued
        }
        d.start();
        Poll.until(
            Duration.ofSeconds(10),
            () -> listener.requests("/busy").size() == 6,
            "the six deliveries reach the endpoint");
      } finally {
        d.close();
      }
      List<SpanData> spans =
          f.spans.getFinishedSpanItems().stream()
              .filter(s -> s.getKind() == SpanKind.CLIENT)
              .toList();
      assertEquals(
          6,
          spans.size(),
          "six deliveries were sent, one attempt each, but only "
              + spans.size()
              + " have a span: an attempt started from the previous one's freed slot inherits"
              + " its CLIENT span as the current context, and the Instrumenter suppresses a"
              + " CLIENT span nested in another (so it gets no traceparent either)");
      for (SpanData s : spans) {
        assertFalse(
            s.getParentSpanContext().isValid(),
            "an attempt span is a root (linked to its publish), not the child of another"
                + " delivery's attempt: "
                + s.getSpanId()
                + " has parent "
                + s.getParentSpanId()
                + "; spans "
                + spans.stream().map(x -> x.getSpanId() + "<-" + x.getParentSpanId()).toList());
      }
    } finally {
      pool.shutdownNow();
      f.otel.close();
    }
  }
}
