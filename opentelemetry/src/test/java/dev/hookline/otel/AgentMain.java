package dev.hookline.otel;

import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.VerificationResult;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookFormat;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.RetrySchedule;
import dev.hookline.delivery.spi.NotificationFormat;
import dev.hookline.delivery.spi.RenderedNotification;
import dev.hookline.filter.Filters;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.Poll;
import dev.hookline.testing.TestWebhooks;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Run by {@link JavaAgentTest} in a JVM of its own under the OpenTelemetry Java agent: delivers two
 * events, published under a span with baggage, to webhooks that opted in to {@code traceparent} and
 * webhooks that did not (in both formats), and to one whose {@code propagateTo} throws; each
 * endpoint answers its first request 500, so one of its events is sent again (attempt 2). Then runs
 * a verification handshake under the caller's span and baggage. Prints each webhook's id and what
 * each endpoint received, one line per request.
 */
public final class AgentMain {
  /** The paths, each a webhook of that name. */
  static final List<String> PATHS =
      List.of("opted-in", "plain", "policy-fails", "set-opted-in", "set-plain");

  private static final List<String> PATHS_AND_VERIFY =
      List.of("opted-in", "plain", "policy-fails", "set-opted-in", "set-plain", "verify");

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
      for (String name : PATHS) {
        listener.answer("/" + name, 500, 200);
        Webhook w =
            registry.create(
                WebhookDefinition.builder()
                    .name(name)
                    .uri(listener.uri("/" + name))
                    .apiKey(Fixture.API_KEY)
                    .events(UserEvents.CREATED)
                    .format(
                        name.startsWith("set-")
                            ? WebhookFormat.SECURITY_EVENT_TOKEN
                            : WebhookFormat.STANDARD_WEBHOOKS)
                    .build());
        TestWebhooks.markVerified(registry, w.id());
        registry.enable(w.id());
        System.out.println("WEBHOOK " + name + " " + w.id());
      }
      HooklineTelemetry tracing =
          HooklineTelemetry.builder(GlobalOpenTelemetry.get())
              .propagateTo(
                  w -> {
                    if (w.name().equals("policy-fails")) {
                      throw new IllegalStateException("policy lookup failed");
                    }
                    return w.name().endsWith("opted-in");
                  })
              .build();
      try (Dispatcher d =
          Dispatcher.builder()
              .registry(registry)
              .notificationFormat(new TokenFormat())
              // Retried at once; an attempt never times out, however slow the first sends are
              // while the agent instruments the HTTP client's classes on a busy machine.
              .retrySchedule(
                  RetrySchedule.builder()
                      .delays(Duration.ofMillis(100))
                      .jitter(0)
                      .attemptTimeout(Duration.ofSeconds(60))
                      .build())
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
        // Two events, the first request of each endpoint answered 500: three requests each.
        Poll.until(
            Duration.ofMinutes(2),
            () -> PATHS.stream().allMatch(p -> listener.requests("/" + p).size() == 3),
            () -> "three requests to each endpoint; received " + received(listener));
        // The host verifies a webhook while it handles a request of its own, with baggage.
        Webhook pending =
            registry.create(
                WebhookDefinition.builder()
                    .name("verify")
                    .uri(listener.uri("/verify"))
                    .apiKey(Fixture.API_KEY)
                    .events(UserEvents.CREATED)
                    .build());
        Span caller = GlobalOpenTelemetry.getTracer("app").spanBuilder("admin").startSpan();
        System.out.println("CALLER " + caller.getSpanContext().getTraceId());
        try {
          Context.current()
              .with(caller)
              .with(Baggage.builder().put("user.email", "a@b.example").build())
              .wrap(
                  () -> {
                    VerificationResult unused = d.startVerification(pending.id());
                  })
              .run();
        } finally {
          caller.end();
        }
      }
      for (String path : PATHS_AND_VERIFY) {
        for (Map<String, List<String>> headers : listener.requests("/" + path)) {
          StringBuilder line = new StringBuilder("RECEIVED /").append(path);
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

  private static String received(Listener listener) {
    StringBuilder b = new StringBuilder();
    for (String p : PATHS) {
      b.append(p).append('=').append(listener.requests("/" + p).size()).append(' ');
    }
    return b.toString();
  }

  /** A stand-in for hookline-set's format: the request goes through the formatted path. */
  private static final class TokenFormat implements NotificationFormat {
    @Override
    public WebhookFormat format() {
      return WebhookFormat.SECURITY_EVENT_TOKEN;
    }

    @Override
    public RenderedNotification render(Event event, Webhook webhook, Instant now) {
      return RenderedNotification.of(
          "application/secevent+jwt", "e30.e30.sig".getBytes(StandardCharsets.UTF_8));
    }
  }
}
