package dev.hookline.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.PublishContextCapturer;
import dev.hookline.otel.HooklineTelemetry;
import dev.hookline.testing.LoopbackSink;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Review r119: the README says an application defines a {@code HooklineTelemetry} bean to replace
 * the starter's (to choose {@code propagateTo}, say), and the publish-context capturer comes from
 * the one {@code HooklineTelemetry}. An application that has no {@code OpenTelemetry} bean (under
 * the OpenTelemetry Java agent, whose instance is {@code GlobalOpenTelemetry}, or one it builds
 * itself) and defines its {@code HooklineTelemetry} over that got its attempt spans, but no
 * capturer: the capturer was made only beside the starter's own telemetry, with an {@code
 * OpenTelemetry} bean. So no delivery kept its publishing trace, and no attempt span linked to it.
 */
class OwnTelemetryWithoutOpenTelemetryBeanReviewTest {

  @Test
  void anApplicationsOwnTelemetryGetsItsPublishContextCapturerWithoutAnOpenTelemetryBean()
      throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    // Not a bean: as GlobalOpenTelemetry.get() under the agent, or an instance the app keeps.
    OpenTelemetrySdk otel =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(spans))
                    .build())
            .build();
    try (LoopbackSink sink = LoopbackSink.recording()) {
      String uri = sink.uri("/hooks");
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  HooklineAutoConfiguration.class, HooklineObservabilityAutoConfiguration.class))
          .withPropertyValues(
              "hookline.allow-insecure-loopback-for-development=true",
              "hookline.dispatcher.auto-start=false")
          .withBean(
              HooklineTelemetry.class,
              () -> HooklineTelemetry.builder(otel).propagateTo(w -> true).build())
          .run(
              context -> {
                assertEquals(
                    1,
                    context.getBeansOfType(PublishContextCapturer.class).size(),
                    "a capturer from the application's telemetry");
                Dispatcher dispatcher = context.getBean(Dispatcher.class);
                Webhooks.receiving(context.getBean(WebhookRegistry.class), uri);
                Span publish = otel.getTracer("app").spanBuilder("signup").startSpan();
                Scope s = publish.makeCurrent();
                try {
                  dispatcher.publish(Webhooks.event());
                } finally {
                  s.close();
                  publish.end();
                }
                dispatcher.runDueNow();
                assertEquals(1, sink.total(), "one attempt was made");
                List<SpanData> attempts =
                    spans.getFinishedSpanItems().stream()
                        .filter(d -> d.getKind() == SpanKind.CLIENT)
                        .toList();
                assertEquals(1, attempts.size(), "the attempt's span");
                assertTrue(
                    attempts.get(0).getLinks().stream()
                        .anyMatch(
                            l ->
                                l.getSpanContext()
                                    .getSpanId()
                                    .equals(publish.getSpanContext().getSpanId())),
                    "the attempt links to the span its event was published in: "
                        + attempts.get(0).getLinks());
              });
    } finally {
      otel.close();
    }
  }
}
