package dev.hookline.otel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hookline.DeliveryQuery;
import dev.hookline.Event;
import dev.hookline.Webhook;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.RetrySchedule;
import dev.hookline.filter.Filters;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One CLIENT span per attempt, linked to the publishing span; traceparent only when opted in. */
class HooklineTelemetryTest {
  private final Fixture f = new Fixture();
  private final Listener listener = new Listener();
  private final ManualClock clock = ManualClock.at(Instant.parse("2026-11-22T10:00:00Z"));
  private final InMemoryStore store = new InMemoryStore();
  private final WebhookRegistry registry =
      WebhookRegistry.builder()
          .store(store)
          .clock(clock)
          .filterCompiler(Filters.compiler())
          .allowInsecureLoopbackForDevelopment(true)
          .build();
  private final Tracer tracer = f.otel.getTracer("test");
  private @Nullable Dispatcher dispatcher;
  private @Nullable ExecutorService workers;

  @AfterEach
  void tearDown() {
    if (dispatcher != null) {
      dispatcher.close();
    }
    if (workers != null) {
      workers.shutdownNow();
    }
    listener.close();
    f.otel.close();
  }

  private Dispatcher dispatcher(HooklineTelemetry tracing, Dispatcher.Builder b) {
    dispatcher =
        b.registry(registry)
            .jitter(() -> 0.5)
            .retrySchedule(
                RetrySchedule.builder()
                    .delays(Duration.ofSeconds(10))
                    .attemptTimeout(Duration.ofSeconds(5))
                    .build())
            .publishContext(tracing.publishContextCapturer())
            .attemptObserver(tracing)
            .build();
    return dispatcher;
  }

  /** Publishes under a span with baggage, and returns that span's context. */
  private SpanContext publishTraced(Dispatcher d, Event e) {
    Span publish = tracer.spanBuilder("publish").startSpan();
    Scope s =
        Context.current()
            .with(publish)
            .with(Baggage.builder().put("user", "secret").build())
            .makeCurrent();
    try {
      d.publish(e);
    } finally {
      s.close();
      publish.end();
    }
    return publish.getSpanContext();
  }

  private List<SpanData> attemptSpans() {
    return f.spans.getFinishedSpanItems().stream()
        .filter(s -> s.getKind() == SpanKind.CLIENT)
        .sorted(Comparator.comparing(s -> s.getAttributes().get(HooklineTelemetry.ATTEMPT_NUMBER)))
        .toList();
  }

  @Test
  void eachAttemptIsAClientSpanWithHttpAttributesLinkedToThePublishingSpan() {
    listener.answer("/flaky/secret-token", 500, 200);
    Dispatcher d = dispatcher(HooklineTelemetry.builder(f.otel).build(), Dispatcher.builder());
    Webhook w = Fixture.receiving(registry, "flaky", listener.uri("/flaky/secret-token"));
    Event e = Fixture.event(clock.instant());
    SpanContext publish = publishTraced(d, e);
    d.runDueNow();
    clock.advance(Duration.ofSeconds(10));
    d.runDueNow();

    String deliveryId = store.findDeliveries(DeliveryQuery.builder().build()).get(0).id();
    List<SpanData> attempts = attemptSpans();
    assertEquals(2, attempts.size());
    for (SpanData s : attempts) {
      assertEquals("POST", s.getName());
      assertEquals("POST", s.getAttributes().get(AttributeKey.stringKey("http.request.method")));
      assertEquals(
          "http://127.0.0.1:" + listener.port() + "/…",
          s.getAttributes().get(AttributeKey.stringKey("url.full")),
          "the path is a capability secret: redacted like the logs");
      assertEquals("127.0.0.1", s.getAttributes().get(AttributeKey.stringKey("server.address")));
      assertEquals(
          (long) listener.port(), s.getAttributes().get(AttributeKey.longKey("server.port")));
      assertEquals("user.created", s.getAttributes().get(HooklineTelemetry.EVENT_TYPE));
      assertEquals(deliveryId, s.getAttributes().get(HooklineTelemetry.DELIVERY_ID));
      assertEquals(w.id(), s.getAttributes().get(HooklineTelemetry.WEBHOOK_ID));
      assertEquals(1, s.getLinks().size());
      SpanContext linked = s.getLinks().get(0).getSpanContext();
      assertEquals(publish.getTraceId(), linked.getTraceId());
      assertEquals(publish.getSpanId(), linked.getSpanId());
      assertFalse(s.getParentSpanContext().isValid(), "linked, not a child: attempts run later");
      assertNotEquals(publish.getTraceId(), s.getTraceId());
    }
    SpanData first = attempts.get(0);
    assertEquals(1L, first.getAttributes().get(HooklineTelemetry.ATTEMPT_NUMBER));
    assertEquals(
        500L, first.getAttributes().get(AttributeKey.longKey("http.response.status_code")));
    assertEquals("500", first.getAttributes().get(AttributeKey.stringKey("error.type")));
    assertEquals(StatusCode.ERROR, first.getStatus().getStatusCode());
    assertNull(first.getAttributes().get(HooklineTelemetry.RESEND_COUNT));

    SpanData second = attempts.get(1);
    assertEquals(2L, second.getAttributes().get(HooklineTelemetry.ATTEMPT_NUMBER));
    assertEquals(
        200L, second.getAttributes().get(AttributeKey.longKey("http.response.status_code")));
    assertEquals(1L, second.getAttributes().get(HooklineTelemetry.RESEND_COUNT));
    assertNull(second.getAttributes().get(AttributeKey.stringKey("error.type")));
    assertEquals(StatusCode.UNSET, second.getStatus().getStatusCode());
  }

  @Test
  void anIpv6EndpointsServerAddressIsTheAddressWithoutBrackets() {
    Listener v6;
    try {
      v6 = new Listener("::1");
    } catch (UncheckedIOException e) {
      assumeTrue(false, "no IPv6 loopback here: " + e.getCause());
      return;
    }
    try (v6) {
      Dispatcher d = dispatcher(HooklineTelemetry.builder(f.otel).build(), Dispatcher.builder());
      Fixture.receiving(registry, "v6", v6.uri("/v6/secret-token"));
      d.publish(Fixture.event(clock.instant()));
      d.runDueNow();

      assertEquals(1, v6.requests("/v6/secret-token").size(), "delivered over ::1");
      SpanData s = attemptSpans().get(0);
      assertEquals(200L, s.getAttributes().get(AttributeKey.longKey("http.response.status_code")));
      assertEquals("::1", s.getAttributes().get(AttributeKey.stringKey("server.address")));
      assertEquals((long) v6.port(), s.getAttributes().get(AttributeKey.longKey("server.port")));
      assertEquals(
          "http://[::1]:" + v6.port() + "/…",
          s.getAttributes().get(AttributeKey.stringKey("url.full")),
          "a URI keeps its brackets");
    }
  }

  @Test
  void anAttemptWithoutAnAnswerHasTheErrorKindAsErrorType() {
    Dispatcher d = dispatcher(HooklineTelemetry.builder(f.otel).build(), Dispatcher.builder());
    int closed = listener.port();
    listener.close(); // nothing listens there any more: the connection is refused
    Fixture.receiving(registry, "down", "http://127.0.0.1:" + closed + "/hook");
    d.publish(Fixture.event(clock.instant()));
    d.runDueNow();

    SpanData s = attemptSpans().get(0);
    assertEquals("connect_failed", s.getAttributes().get(AttributeKey.stringKey("error.type")));
    assertNull(s.getAttributes().get(AttributeKey.longKey("http.response.status_code")));
    assertEquals(StatusCode.ERROR, s.getStatus().getStatusCode());
    assertTrue(s.getLinks().isEmpty(), "published outside a trace: nothing to link to");
  }

  @Test
  void onlyOptedInWebhooksGetTraceparentAndNoneGetsBaggageOrTracestate() {
    // The workers run with a current span that has a tracestate, and baggage: neither may leak.
    SpanContext ambient =
        SpanContext.create(
            "0af7651916cd43dd8448eb211c80319c",
            "b7ad6b7169203331",
            TraceFlags.getSampled(),
            TraceState.builder().put("vendor", "internal-value").build());
    Context workerContext =
        Context.root()
            .with(Span.wrap(ambient))
            .with(Baggage.builder().put("user", "secret").build());
    workers = Executors.newFixedThreadPool(2);
    Dispatcher d =
        dispatcher(
            HooklineTelemetry.builder(f.otel).propagateTo(w -> w.name().equals("opted")).build(),
            Dispatcher.builder().workers(2).workerExecutor(workerContext.wrap(workers)));
    Fixture.receiving(registry, "opted", listener.uri("/opted"));
    Fixture.receiving(registry, "plain", listener.uri("/plain"));
    publishTraced(d, Fixture.event(clock.instant()));
    d.runDueNow();

    List<Map<String, List<String>>> opted = listener.requests("/opted");
    List<Map<String, List<String>>> plain = listener.requests("/plain");
    assertEquals(1, opted.size());
    assertEquals(1, plain.size());
    SpanData optedSpan =
        attemptSpans().stream()
            .filter(s -> s.getAttributes().get(AttributeKey.stringKey("url.full")) != null)
            .filter(
                s ->
                    s.getAttributes()
                        .get(HooklineTelemetry.WEBHOOK_ID)
                        .equals(
                            registry.list().stream()
                                .filter(w -> w.name().equals("opted"))
                                .findFirst()
                                .orElseThrow()
                                .id()))
            .findFirst()
            .orElseThrow();
    assertEquals(
        List.of("00-" + optedSpan.getTraceId() + "-" + optedSpan.getSpanId() + "-01"),
        opted.get(0).get("traceparent"),
        "the attempt span's own context");
    assertEquals(ambient.getTraceId(), optedSpan.getTraceId(), "the worker's span is the parent");
    assertFalse(plain.get(0).containsKey("traceparent"));
    for (Map<String, List<String>> h : List.of(opted.get(0), plain.get(0))) {
      assertFalse(h.containsKey("baggage"), h.keySet().toString());
      assertFalse(h.containsKey("tracestate"), h.keySet().toString());
    }
  }
}
