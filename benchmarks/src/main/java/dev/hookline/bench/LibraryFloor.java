package dev.hookline.bench;

import dev.hookline.delivery.AttemptObserver;
import dev.hookline.delivery.AttemptRequest;
import dev.hookline.delivery.AttemptResult;
import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import java.util.List;
import java.util.Optional;

/**
 * The least the two observability libraries cost per attempt: what issue 16 asks of each, made with
 * the libraries' own APIs and nothing of Hookline's modules. For each attempt, one Micrometer
 * {@link Observation} with the meter handler's timer and its tags (event type while it runs, and
 * outcome, status class, error kind and event type once it ended, all made once), and one
 * OpenTelemetry CLIENT span from the {@link Tracer} with the same attributes as the module's (the
 * endpoint's made once), linked to the publishing span (read from the stored traceparent by
 * slicing, without validation). No convention lookup, no instrumenter, no extractors, no scope, no
 * failure handling, no propagation: a floor, not a usable instrumentation, to tell what the modules
 * add on top of the libraries ({@code --observe floor} in {@link PgBurstHarness}, {@code floor} in
 * {@link ObserverBenchmark}'s main).
 */
final class LibraryFloor implements AttemptObserver {
  private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  private static final AttributeKey<String> URL_FULL = AttributeKey.stringKey("url.full");
  private static final AttributeKey<String> SERVER_ADDRESS =
      AttributeKey.stringKey("server.address");
  private static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
  private static final AttributeKey<Long> STATUS =
      AttributeKey.longKey("http.response.status_code");
  private static final AttributeKey<String> EVENT_TYPE =
      AttributeKey.stringKey("hookline.event.type");
  private static final AttributeKey<String> DELIVERY_ID =
      AttributeKey.stringKey("hookline.delivery.id");
  private static final AttributeKey<Long> ATTEMPT_NUMBER =
      AttributeKey.longKey("hookline.attempt.number");
  private static final AttributeKey<String> WEBHOOK_ID =
      AttributeKey.stringKey("hookline.webhook.id");

  private final ObservationRegistry observations;
  private final Tracer tracer;
  private volatile Attributes endpoint = Attributes.empty();
  private volatile KeyValues running = KeyValues.empty();
  private volatile KeyValues ended = KeyValues.empty();

  private final boolean metrics;
  private final boolean tracing;

  LibraryFloor(ObservationRegistry observations, OpenTelemetry otel) {
    this(observations, otel, true, true);
  }

  /**
   * Only the observation ({@code tracing} false), only the span ({@code metrics} false), or both.
   */
  LibraryFloor(
      ObservationRegistry observations, OpenTelemetry otel, boolean metrics, boolean tracing) {
    this.observations = observations;
    this.tracer = otel.getTracer("dev.hookline.bench.floor");
    this.metrics = metrics;
    this.tracing = tracing;
  }

  /** Both libraries' floor as one observer, with the publish context capturer of the module. */
  static java.util.function.UnaryOperator<dev.hookline.delivery.Dispatcher.Builder> floor(
      ObservabilityOverhead.Telemetry t) {
    LibraryFloor floor = new LibraryFloor(t.observations(), t.otel());
    return b ->
        b.attemptObserver(AttemptObserver.composite(List.of(floor)))
            .publishContext(
                dev.hookline.otel.HooklineTelemetry.builder(t.otel())
                    .build()
                    .publishContextCapturer());
  }

  @Override
  public Scope beforeAttempt(AttemptRequest request) {
    if (endpoint.isEmpty()) { // one endpoint's worth, as the module keeps per webhook
      endpoint =
          Attributes.of(
              METHOD,
              request.method(),
              URL_FULL,
              request.redactedUri(),
              SERVER_ADDRESS,
              request.uri().getHost(),
              SERVER_PORT,
              (long) request.uri().getPort());
      running = KeyValues.of(KeyValue.of("event.type", request.eventType()));
      ended =
          KeyValues.of(
              KeyValue.of("error.kind", "none"),
              KeyValue.of("event.type", request.eventType()),
              KeyValue.of("outcome", "succeeded"),
              KeyValue.of("status", "2xx"));
    }
    Observation observation =
        metrics
            ? Observation.createNotStarted("hookline.delivery.attempts", observations)
                .contextualName("POST")
                .lowCardinalityKeyValues(running)
                .start()
            : Observation.NOOP;
    Span span = tracing ? span(request) : Span.getInvalid();
    return result -> {
      if (result.statusCode().isPresent()) {
        span.setAttribute(STATUS, (long) result.statusCode().getAsInt());
      }
      span.end();
      if (result.outcome() == AttemptResult.Outcome.SUCCEEDED) {
        observation.lowCardinalityKeyValues(ended);
      }
      observation.stop();
    };
  }

  private Span span(AttemptRequest request) {
    io.opentelemetry.api.trace.SpanBuilder builder =
        tracer
            .spanBuilder("POST")
            .setNoParent()
            .setSpanKind(SpanKind.CLIENT)
            .setAllAttributes(endpoint)
            .setAttribute(EVENT_TYPE, request.eventType())
            .setAttribute(DELIVERY_ID, request.deliveryId())
            .setAttribute(ATTEMPT_NUMBER, (long) request.attemptNumber())
            .setAttribute(WEBHOOK_ID, request.webhook().id());
    Optional<String> traceparent = request.publishContext();
    if (traceparent.isPresent() && traceparent.get().length() == 55) {
      String tp = traceparent.get();
      builder.addLink(
          SpanContext.createFromRemoteParent(
              tp.substring(3, 35),
              tp.substring(36, 52),
              TraceFlags.getSampled(),
              TraceState.getDefault()));
    }
    return builder.startSpan();
  }
}
