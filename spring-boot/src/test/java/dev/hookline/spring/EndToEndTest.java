package dev.hookline.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Webhook;
import dev.hookline.WebhookRegistry;
import dev.hookline.WebhookValidationException;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.testing.LoopbackSink;
import dev.hookline.testing.Poll;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * A context that delivers a real event over loopback HTTP, with both observers wired: the
 * Micrometer timer and the OpenTelemetry span record the attempt.
 */
class EndToEndTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  HooklineAutoConfiguration.class, HooklineObservabilityAutoConfiguration.class));

  @Test
  void anEventPublishedInTheContextReachesTheEndpointAndIsObservedByBothIntegrations()
      throws Exception {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    ObservationRegistry observations = ObservationRegistry.create();
    observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    OpenTelemetrySdk otel =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(spans))
                    .build())
            .build();
    Dispatcher[] seen = new Dispatcher[1];
    try (LoopbackSink sink = LoopbackSink.recording()) {
      String uri = sink.uri("/hooks");
      runner
          .withPropertyValues(
              "hookline.allow-insecure-loopback-for-development=true",
              "hookline.dispatcher.poll-interval=50ms")
          .withBean(MeterRegistry.class, () -> meters)
          .withBean(ObservationRegistry.class, () -> observations)
          .withBean(OpenTelemetry.class, () -> otel)
          .run(
              context -> {
                WebhookRegistry registry = context.getBean(WebhookRegistry.class);
                Dispatcher dispatcher = context.getBean(Dispatcher.class);
                seen[0] = dispatcher;
                Webhook w = Webhooks.receiving(registry, uri);

                dispatcher.publish(Webhooks.event());

                // the sink counts the total before the per-id map: wait for both
                Poll.until(
                    WAIT,
                    () -> sink.total() == 1 && sink.distinct() == 1,
                    "the delivery reaches the sink");
                Poll.until(
                    WAIT,
                    () -> {
                      Timer t =
                          meters
                              .find("hookline.delivery.attempts")
                              .tag("outcome", "succeeded")
                              .timer();
                      return t != null && t.count() == 1;
                    },
                    "the attempt timer records one succeeded attempt");
                Timer timer = meters.find("hookline.delivery.attempts").timer();
                assertTrue(timer.getId().getTag("webhook.id") == null, "no per-webhook tag");
                assertTrue(timer.getId().getTag("tenant") == null, "no per-tenant tag");
                Poll.until(
                    WAIT, () -> spans.getFinishedSpanItems().size() == 1, "one attempt span");
                SpanData span = spans.getFinishedSpanItems().get(0);
                assertEquals(
                    w.id(),
                    span.getAttributes().get(AttributeKey.stringKey("hookline.webhook.id")));
              });
    } finally {
      otel.close();
    }
    assertThrows(IllegalStateException.class, () -> seen[0].publish(Webhooks.event()));
  }

  @Test
  void loopbackWebhooksAreRefusedUnlessTheDevelopmentPropertyIsOn() {
    runner.run(
        context ->
            assertThrows(
                WebhookValidationException.class,
                () ->
                    Webhooks.receiving(
                        context.getBean(WebhookRegistry.class), "http://127.0.0.1:9/hooks")));
  }
}
