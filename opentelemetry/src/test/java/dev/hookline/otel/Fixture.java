package dev.hookline.otel;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.testing.TestWebhooks;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/** Shared test set-up: an SDK exporting to memory, with baggage among its global propagators. */
final class Fixture {
  static final String API_KEY = "test-api-key-0123456789";
  private static final AtomicInteger EVENTS = new AtomicInteger();

  final InMemorySpanExporter spans = InMemorySpanExporter.create();

  /**
   * Its propagators include baggage, as many applications configure them: Hookline must not use
   * them for customers' endpoints.
   */
  final OpenTelemetrySdk otel =
      OpenTelemetrySdk.builder()
          .setTracerProvider(
              SdkTracerProvider.builder()
                  .addSpanProcessor(SimpleSpanProcessor.create(spans))
                  .build())
          .setPropagators(
              ContextPropagators.create(
                  TextMapPropagator.composite(
                      W3CTraceContextPropagator.getInstance(), W3CBaggagePropagator.getInstance())))
          .build();

  static Webhook receiving(WebhookRegistry registry, String name, String uri) {
    Webhook w =
        registry.create(
            WebhookDefinition.builder()
                .name(name)
                .uri(uri)
                .apiKey(API_KEY)
                .events(UserEvents.CREATED)
                .build());
    TestWebhooks.markVerified(registry, w.id());
    return registry.enable(w.id());
  }

  static Event event(Instant at) {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("user_id", "u1");
    return Event.builder(UserEvents.CREATED)
        .id("evt_otel_" + EVENTS.incrementAndGet() + "_" + at.getEpochSecond())
        .occurredAt(at)
        .user("u1")
        .data(data)
        .build();
  }
}
