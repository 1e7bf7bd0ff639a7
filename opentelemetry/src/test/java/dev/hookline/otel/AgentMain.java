package dev.hookline.otel;

import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.filter.Filters;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.Poll;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Run by {@link JavaAgentTest} in a JVM of its own under the OpenTelemetry Java agent: delivers two
 * events, published under a span with baggage, to a webhook that opted in to {@code traceparent}
 * and one that did not, and prints what each endpoint received, one line per request.
 */
public final class AgentMain {
  private AgentMain() {}

  public static void main(String[] args) throws Exception {
    System.out.println("OPENTELEMETRY " + GlobalOpenTelemetry.get().getClass().getName());
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(new InMemoryStore())
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    try (Listener listener = new Listener()) {
      Fixture.receiving(registry, "opted-in", listener.uri("/opted-in"));
      Fixture.receiving(registry, "plain", listener.uri("/plain"));
      HooklineTelemetry tracing =
          HooklineTelemetry.builder(GlobalOpenTelemetry.get())
              .propagateTo(w -> w.name().equals("opted-in"))
              .build();
      try (Dispatcher d =
          Dispatcher.builder()
              .registry(registry)
              .publishContext(tracing.publishContextCapturer())
              .attemptObserver(tracing)
              .build()) {
        d.start();
        Span request = GlobalOpenTelemetry.getTracer("app").spanBuilder("request").startSpan();
        Context published =
            Context.current()
                .with(request)
                .with(Baggage.builder().put("user.email", "a@b.example").build());
        try {
          published
              .wrap(
                  () -> {
                    for (int i = 0; i < 2; i++) {
                      d.publish(Fixture.event(Instant.now()));
                    }
                  })
              .run();
        } finally {
          request.end();
        }
        Poll.until(
            Duration.ofSeconds(60),
            () ->
                listener.requests("/opted-in").size() == 2
                    && listener.requests("/plain").size() == 2,
            "both events reach both endpoints");
      }
      for (String path : List.of("/opted-in", "/plain")) {
        for (Map<String, List<String>> headers : listener.requests(path)) {
          StringBuilder line = new StringBuilder("RECEIVED ").append(path);
          for (String name : List.of("traceparent", "tracestate", "baggage")) {
            List<String> values = headers.get(name);
            line.append(' ').append(name).append('=').append(values == null ? "-" : values);
          }
          System.out.println(line);
        }
      }
    }
    System.out.flush();
    System.exit(0);
  }
}
