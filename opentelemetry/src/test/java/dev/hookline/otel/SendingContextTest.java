package dev.hookline.otel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.AttemptObserver;
import dev.hookline.delivery.AttemptRequest;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What code that instruments {@code java.net.http} sees while the HTTP client takes an attempt's
 * request: the OpenTelemetry Java agent injects the current context's headers into every request,
 * so the attempt's span must not be current then, nor any baggage, or every endpoint got a {@code
 * traceparent} (and the application's baggage) whatever {@code propagateTo} says. The attempt's
 * span must still count as the thread's HTTP client span, or the agent made a client span of its
 * own and injected that one. So too for an attempt {@link HooklineTelemetry} makes no span for, and
 * for one whose {@code propagateTo} throws. (The agent itself: {@link JavaAgentTest}.)
 */
class SendingContextTest {
  private final Fixture f = new Fixture();
  private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-03T10:00:00Z"));
  private final WebhookRegistry registry =
      WebhookRegistry.builder()
          .store(new InMemoryStore())
          .clock(clock)
          .filterCompiler(Filters.compiler())
          .allowInsecureLoopbackForDevelopment(true)
          .build();
  private final Listener listener = new Listener();
  private final ExecutorService pool = Executors.newFixedThreadPool(2);

  /** As an agent's java.net.http instrumentation does: a CLIENT span, if not suppressed. */
  private final Instrumenter<String, Void> nested =
      Instrumenter.<String, Void>builder(f.otel, "nested-http-client", s -> s)
          .addAttributesExtractor(HttpClientAttributesExtractor.create(new NestedGetter()))
          .buildInstrumenter(SpanKindExtractor.alwaysClient());

  /** What the probe saw, by when. */
  private final Map<String, Object> seen = new ConcurrentHashMap<>();

  @AfterEach
  void tearDown() {
    pool.shutdownNow();
    listener.close();
    f.otel.close();
  }

  @Test
  void whileTheClientTakesTheRequestNoSpanNorBaggageIsCurrentAndAnotherClientSpanIsSuppressed() {
    deliverOne(
        HooklineTelemetry.builder(f.otel).build(),
        Context.root().with(Baggage.builder().put("user.email", "a@b.example").build()));
    List<SpanData> spans = f.spans.getFinishedSpanItems();
    assertEquals(1, spans.size(), "the attempt's span alone: " + spans);
    SpanData attempt = spans.get(0);
    assertEquals(SpanKind.CLIENT, attempt.getKind());
    assertEquals(attempt.getSpanContext(), seen.get("attempt.span"));
    assertEquals(1, seen.get("attempt.baggage"), "the caller's baggage reached the attempt");
    assertSentNothing();
    assertEquals(false, seen.get("attempt.nestedClientStarts"), "a nested client suppressed");
    assertEquals(attempt.getSpanContext(), seen.get("after.span"), "current again after");
  }

  @Test
  void anAttemptWhosePropagateToThrowsSendsNothingEitherAndTheFailureIsStillThrown() {
    // A policy lookup that fails: the attempt's scope was lost with it, so the worker's context
    // (under the agent, the publisher's, baggage and all) was current while the client took the
    // request, and the agent sent its own traceparent and the baggage.
    RuntimeException bug = new IllegalStateException("policy lookup failed");
    HooklineTelemetry tracing =
        HooklineTelemetry.builder(f.otel)
            .propagateTo(
                w -> {
                  throw bug;
                })
            .build();
    Span app = f.otel.getTracer("app").spanBuilder("request").startSpan();
    deliverOne(
        thrownFromAfterAttempt(tracing),
        Context.root().with(app).with(Baggage.builder().put("user.email", "a@b.example").build()));
    app.end();
    assertSentNothing();
    assertEquals(bug, seen.get("thrown"), "the predicate's failure, for the dispatcher to log");
    assertEquals(
        1,
        f.spans.getFinishedSpanItems().stream()
            .filter(s -> s.getInstrumentationScopeInfo().getName().equals("dev.hookline.otel"))
            .count(),
        "the attempt still has its span");
    assertTrue(
        listener.requests("/plain").get(0).keySet().stream()
            .noneMatch(h -> h.equalsIgnoreCase("traceparent")),
        "fails closed: no traceparent");
  }

  @Test
  void anAttemptWithoutASpanOfItsOwnSendsNothingEither() {
    // An HTTP client span current on the worker (carried in by an executor): the attempt's span is
    // suppressed, and the other one and the baggage were current while the client took the request.
    Context outer =
        nested.start(
            Context.root().with(Baggage.builder().put("user.email", "a@b.example").build()),
            "POST");
    deliverOne(HooklineTelemetry.builder(f.otel).build(), outer);
    nested.end(outer, "POST", null, null);
    assertEquals(
        0,
        f.spans.getFinishedSpanItems().stream()
            .filter(s -> s.getInstrumentationScopeInfo().getName().equals("dev.hookline.otel"))
            .count(),
        "no attempt span under another HTTP client span");
    assertSentNothing();
    assertEquals(Span.fromContext(outer).getSpanContext(), seen.get("after.span"));
  }

  /** While sending: no span, no baggage, another HTTP client span suppressed; nothing received. */
  private void assertSentNothing() {
    assertFalse(((SpanContext) seen.get("send.span")).isValid(), "no span current while sending");
    assertEquals(0, seen.get("send.baggage"), "no baggage while sending");
    assertEquals(false, seen.get("send.nestedClientStarts"), "a nested client still suppressed");
    assertTrue(
        listener.requests("/plain").get(0).keySet().stream()
            .noneMatch(h -> h.equalsIgnoreCase("baggage") || h.equalsIgnoreCase("tracestate")));
  }

  /**
   * Delivers one event to a webhook that did not opt in, its attempt made by a worker that carries
   * {@code carried} in, as the agent does to every executor; the probe runs after {@code tracing}.
   */
  private void deliverOne(AttemptObserver tracing, Context carried) {
    Fixture.receiving(registry, "plain", listener.uri("/plain"));
    try (Dispatcher d =
        Dispatcher.builder()
            .registry(registry)
            .clock(clock)
            .workerExecutor(Context.taskWrapping(pool))
            .attemptObserver(AttemptObserver.composite(List.of(tracing, probe())))
            .build()) {
      d.publish(Fixture.event(clock.instant()));
      Scope scope = carried.makeCurrent();
      try {
        assertEquals(1, d.runDueNow());
      } finally {
        scope.close();
      }
    }
    assertEquals(1, listener.requests("/plain").size());
  }

  private AttemptObserver probe() {
    return request -> {
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
  }

  /** {@code tracing}, with what its scope's afterAttempt throws kept as "thrown". */
  private AttemptObserver thrownFromAfterAttempt(AttemptObserver tracing) {
    return (AttemptRequest request) -> {
      AttemptObserver.Scope scope = tracing.beforeAttempt(request);
      return new AttemptObserver.Scope() {
        @Override
        public Runnable beforeSend() {
          return scope.beforeSend();
        }

        @Override
        public void afterAttempt(AttemptResult result) {
          try {
            scope.afterAttempt(result);
          } catch (RuntimeException e) {
            seen.put("thrown", e);
            throw e;
          }
        }
      };
    };
  }

  private static final class NestedGetter implements HttpClientAttributesGetter<String, Void> {
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
  }
}
