package dev.hookline.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.testing.LoopbackSink;
import dev.hookline.testing.Poll;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Review r102, a reported "span loss" that is not one: with {@code
 * hookline.dispatcher.auto-start=false} the application starts the dispatcher itself. Events
 * published before that start, and attempts made after it, keep their OpenTelemetry and Micrometer
 * wiring: the dispatcher is built with the observers and the publish-context capturer when the
 * context refreshes, whenever it is started. Not the starter's lifecycle's to stop (that did not
 * start it), the dispatcher is closed when the context destroys its bean, before the OpenTelemetry
 * SDK it reaches through the observer: an attempt in flight then still exports its span.
 */
class StartedLaterTelemetryReviewTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  void eventsPublishedBeforeAManualStartAndAttemptsAfterItAreTracedAndTimed() throws Exception {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    ObservationRegistry observations = ObservationRegistry.create();
    observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
    Exported spans = new Exported();
    Dispatcher[] seen = new Dispatcher[1];
    try (LoopbackSink sink = LoopbackSink.recording()) {
      String uri = sink.uri("/hooks");
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  org.springframework.boot.actuate.autoconfigure.opentelemetry
                      .OpenTelemetryAutoConfiguration.class,
                  HooklineAutoConfiguration.class,
                  HooklineObservabilityAutoConfiguration.class))
          .withPropertyValues(
              "hookline.allow-insecure-loopback-for-development=true",
              "hookline.dispatcher.auto-start=false",
              "hookline.dispatcher.poll-interval=50ms")
          .withBean(MeterRegistry.class, () -> meters)
          .withBean(ObservationRegistry.class, () -> observations)
          // as Spring Boot's tracing auto-configuration makes it; Boot's OpenTelemetry
          // auto-configuration builds the OpenTelemetry bean from it
          .withBean(
              SdkTracerProvider.class,
              () ->
                  SdkTracerProvider.builder()
                      .addSpanProcessor(SimpleSpanProcessor.create(spans))
                      .build())
          .run(
              context -> {
                Dispatcher dispatcher = context.getBean(Dispatcher.class);
                seen[0] = dispatcher;
                Webhooks.receiving(context.getBean(WebhookRegistry.class), uri);
                OpenTelemetry otel = context.getBean(OpenTelemetry.class);

                SpanContext before = publishTraced(otel, dispatcher, "publish before start");
                assertEquals(0, sink.total(), "not started: nothing is sent yet");
                dispatcher.start(); // the application's own start, later
                Poll.until(WAIT, () -> attempts(spans).size() == 1, "the first attempt's span");
                SpanContext after = publishTraced(otel, dispatcher, "publish after start");
                Poll.until(WAIT, () -> attempts(spans).size() == 2, "the second attempt's span");

                assertEquals(2, sink.total());
                assertEquals(
                    Set.of(before.getSpanId(), after.getSpanId()),
                    attempts(spans).stream()
                        .flatMap(s -> s.getLinks().stream())
                        .map(l -> l.getSpanContext().getSpanId())
                        .collect(Collectors.toSet()),
                    "each attempt links to the span its event was published in");
                Poll.until(
                    WAIT,
                    () -> {
                      Timer t =
                          meters
                              .find("hookline.delivery.attempts")
                              .tag("outcome", "succeeded")
                              .timer();
                      return t != null && t.count() == 2;
                    },
                    "the attempt timer records both attempts");

                // Started by the application, the dispatcher is not the starter's lifecycle's to
                // stop: it is closed when its bean is destroyed. An attempt in flight then still
                // ends its span before the OpenTelemetry SDK shuts down.
                sink.pause();
                publishTraced(otel, dispatcher, "publish before close");
                Poll.until(WAIT, () -> sink.total() == 3, "the third attempt is in flight");
                Thread closing = new Thread(context::close, "closing-context");
                closing.start();
                Poll.until(WAIT, () -> closing(dispatcher), "the dispatcher is closing");
                sink.resume();
                closing.join(WAIT.toMillis());
                assertFalse(closing.isAlive(), "the context closed");
                assertEquals(
                    3, attempts(spans).size(), "the span of the attempt closing waited for");
                assertEquals(
                    3,
                    meters
                        .find("hookline.delivery.attempts")
                        .tag("outcome", "succeeded")
                        .timer()
                        .count());
              });
      // the context closed the dispatcher it did not start
      assertThrows(IllegalStateException.class, () -> seen[0].publish(Webhooks.event()));
    }
  }

  private static SpanContext publishTraced(OpenTelemetry otel, Dispatcher dispatcher, String name) {
    Span span = otel.getTracer("app").spanBuilder(name).startSpan();
    Scope s = span.makeCurrent();
    try {
      dispatcher.publish(Webhooks.event());
    } finally {
      s.close();
      span.end();
    }
    assertTrue(span.getSpanContext().isValid(), "a real SDK span");
    return span.getSpanContext();
  }

  /** Whether the dispatcher's close() began: start() refuses a closed dispatcher. */
  private static boolean closing(Dispatcher dispatcher) {
    try {
      dispatcher.start(); // started already: does nothing while open
      return false;
    } catch (IllegalStateException closed) {
      return true;
    }
  }

  private static List<SpanData> attempts(Exported spans) {
    return spans.spans.stream().filter(s -> s.getKind() == SpanKind.CLIENT).toList();
  }

  /**
   * Keeps what it exports, also once shut down (an in-memory exporter forgets it then); like a real
   * exporter, it exports nothing after its shutdown.
   */
  private static final class Exported implements SpanExporter {
    final List<SpanData> spans = new CopyOnWriteArrayList<>();
    private volatile boolean shutDown;

    @Override
    public CompletableResultCode export(Collection<SpanData> batch) {
      if (shutDown) {
        return CompletableResultCode.ofFailure();
      }
      spans.addAll(batch);
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      shutDown = true;
      return CompletableResultCode.ofSuccess();
    }
  }
}
