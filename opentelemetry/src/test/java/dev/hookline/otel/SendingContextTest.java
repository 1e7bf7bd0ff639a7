package dev.hookline.otel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.AttemptObserver;
import dev.hookline.delivery.AttemptResult;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.filter.Filters;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.instrumentation.api.instrumenter.Instrumenter;
import io.opentelemetry.instrumentation.api.instrumenter.SpanKindExtractor;
import io.opentelemetry.instrumentation.api.semconv.http.HttpClientAttributesExtractor;
import io.opentelemetry.instrumentation.api.semconv.http.HttpClientAttributesGetter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * What code that instruments {@code java.net.http} sees while the HTTP client takes an attempt's
 * request: the OpenTelemetry Java agent injects the current context's headers into every request,
 * so the attempt's span must not be current then, nor any baggage, or every endpoint got a {@code
 * traceparent} (and the application's baggage) whatever {@code propagateTo} says. The attempt's
 * span must still count as the thread's HTTP client span, or the agent made a client span of its
 * own and injected that one. (The agent itself: {@link JavaAgentTest}.)
 */
class SendingContextTest {

  @Test
  void whileTheClientTakesTheRequestNoSpanNorBaggageIsCurrentAndAnotherClientSpanIsSuppressed()
      throws Exception {
    Fixture f = new Fixture();
    ManualClock clock = ManualClock.at(Instant.parse("2026-12-03T10:00:00Z"));
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(new InMemoryStore())
            .clock(clock)
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    // As an agent's java.net.http instrumentation does: a CLIENT span, if not suppressed.
    HttpClientAttributesGetter<String, Void> getter =
        new HttpClientAttributesGetter<>() {
          @Override
          public String getUrlFull(String request) {
            return "http://127.0.0.1/";
          }

          @Override
          public String getHttpRequestMethod(String request) {
            return request;
          }

          @Override
          public @Nullable String getServerAddress(String request) {
            return "127.0.0.1";
          }

          @Override
          public @Nullable Integer getServerPort(String request) {
            return 80;
          }

          @Override
          public List<String> getHttpRequestHeader(String request, String name) {
            return List.of();
          }

          @Override
          public @Nullable Integer getHttpResponseStatusCode(
              String request, @Nullable Void response, @Nullable Throwable error) {
            return null;
          }

          @Override
          public List<String> getHttpResponseHeader(
              String request, @Nullable Void response, String name) {
            return List.of();
          }
        };
    Instrumenter<String, Void> nested =
        Instrumenter.<String, Void>builder(f.otel, "nested-http-client", s -> s)
            .addAttributesExtractor(HttpClientAttributesExtractor.create(getter))
            .buildInstrumenter(SpanKindExtractor.alwaysClient());
    Map<String, Object> seen = new ConcurrentHashMap<>();
    AttemptObserver probe =
        request -> {
          // After the tracing's beforeAttempt: its context is current.
          seen.put("attempt.span", Span.current().getSpanContext());
          seen.put("attempt.baggage", Baggage.current().size());
          seen.put("attempt.nestedClientStarts", nested.shouldStart(Context.current(), "POST"));
          return new AttemptObserver.Scope() {
            @Override
            public Runnable beforeSend() {
              // After the tracing's beforeSend: what the HTTP client sees.
              seen.put("send.span", Span.current().getSpanContext());
              seen.put("send.baggage", Baggage.current().size());
              seen.put("send.nestedClientStarts", nested.shouldStart(Context.current(), "POST"));
              return () -> {};
            }

            @Override
            public void afterAttempt(AttemptResult result) {
              // Before the tracing's afterAttempt: its context is current again.
              seen.put("after.span", Span.current().getSpanContext());
            }
          };
        };
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (Listener listener = new Listener()) {
      Fixture.receiving(registry, "plain", listener.uri("/plain"));
      HooklineTelemetry tracing = HooklineTelemetry.builder(f.otel).build();
      try (Dispatcher d =
          Dispatcher.builder()
              .registry(registry)
              .clock(clock)
              // Carries the caller's context into the attempt, as the agent does to every executor.
              .workerExecutor(Context.taskWrapping(pool))
              .attemptObserver(AttemptObserver.composite(List.of(tracing, probe)))
              .build()) {
        d.publish(Fixture.event(clock.instant()));
        Scope baggage = Baggage.builder().put("user.email", "a@b.example").build().makeCurrent();
        try {
          assertEquals(1, d.runDueNow());
        } finally {
          baggage.close();
        }
      }
      List<SpanData> spans = f.spans.getFinishedSpanItems();
      assertEquals(1, spans.size(), "the attempt's span alone: " + spans);
      SpanData attempt = spans.get(0);
      assertEquals(SpanKind.CLIENT, attempt.getKind());
      assertEquals(attempt.getSpanContext(), seen.get("attempt.span"));
      assertEquals(1, seen.get("attempt.baggage"), "the caller's baggage reached the attempt");
      assertFalse(((SpanContext) seen.get("send.span")).isValid(), "no span current while sending");
      assertEquals(0, seen.get("send.baggage"), "no baggage while sending");
      assertEquals(false, seen.get("attempt.nestedClientStarts"), "a nested client suppressed");
      assertEquals(false, seen.get("send.nestedClientStarts"), "and still while sending");
      assertEquals(attempt.getSpanContext(), seen.get("after.span"), "current again after");
      assertTrue(
          listener.requests("/plain").get(0).keySet().stream()
              .noneMatch(h -> h.equalsIgnoreCase("traceparent") || h.equalsIgnoreCase("baggage")));
    } finally {
      pool.shutdownNow();
      f.otel.close();
    }
  }
}
