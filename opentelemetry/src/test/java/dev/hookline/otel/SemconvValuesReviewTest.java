package dev.hookline.otel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.hookline.Webhook;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.RetrySchedule;
import dev.hookline.filter.Filters;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Review r146: the attribute values the HTTP client conventions fix, checked where the other tests
 * do not look: {@code error.type} is the status code as a string for a 4xx answer and for a 3xx
 * (never followed, so the attempt failed; the span is an error too), absent for a 2xx; {@code
 * url.full} keeps no query (a token in it) nor a path; the status code and port are longs, not
 * strings; a first attempt has no {@code http.request.resend_count}.
 */
class SemconvValuesReviewTest {
  private final Fixture f = new Fixture();
  private final Listener listener = new Listener();
  private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-03T10:00:00Z"));
  private final WebhookRegistry registry =
      WebhookRegistry.builder()
          .store(new InMemoryStore())
          .clock(clock)
          .filterCompiler(Filters.compiler())
          .allowInsecureLoopbackForDevelopment(true)
          .build();

  @AfterEach
  void tearDown() {
    listener.close();
    f.otel.close();
  }

  @Test
  void statusCodesErrorTypesAndUrlsAsTheConventionsWantThem() {
    listener.answer("/gone", 404);
    listener.answer("/busy", 429);
    listener.answer("/moved", 302);
    Webhook token = Fixture.receiving(registry, "token", listener.uri("/?token=s3cr3t"));
    Webhook gone = Fixture.receiving(registry, "gone", listener.uri("/gone"));
    Webhook busy = Fixture.receiving(registry, "busy", listener.uri("/busy"));
    Webhook moved = Fixture.receiving(registry, "moved", listener.uri("/moved"));
    HooklineTelemetry tracing = HooklineTelemetry.builder(f.otel).build();
    try (Dispatcher d =
        Dispatcher.builder()
            .registry(registry)
            .clock(clock)
            .retrySchedule(
                RetrySchedule.builder()
                    .delays(Duration.ofSeconds(10))
                    .attemptTimeout(Duration.ofSeconds(5))
                    .build())
            .attemptObserver(tracing)
            .build()) {
      d.publish(Fixture.event(clock.instant()));
      d.runDueNow();
    }

    Map<String, SpanData> byWebhook =
        f.spans.getFinishedSpanItems().stream()
            .filter(s -> s.getKind() == SpanKind.CLIENT)
            .collect(
                Collectors.toMap(
                    s -> s.getAttributes().get(HooklineTelemetry.WEBHOOK_ID), Function.identity()));
    assertEquals(4, byWebhook.size(), byWebhook.keySet().toString());
    String origin = "http://127.0.0.1:" + listener.port();

    SpanData ok = byWebhook.get(token.id());
    assertEquals(origin + "/…", ok.getAttributes().get(AttributeKey.stringKey("url.full")));
    assertEquals(200L, ok.getAttributes().get(AttributeKey.longKey("http.response.status_code")));
    assertEquals(
        (long) listener.port(), ok.getAttributes().get(AttributeKey.longKey("server.port")));
    assertNull(ok.getAttributes().get(AttributeKey.stringKey("error.type")));
    assertNull(ok.getAttributes().get(HooklineTelemetry.RESEND_COUNT));
    assertEquals(StatusCode.UNSET, ok.getStatus().getStatusCode());

    for (Map.Entry<Webhook, String> e : Map.of(gone, "404", busy, "429", moved, "302").entrySet()) {
      SpanData s = byWebhook.get(e.getKey().id());
      assertEquals(origin + "/…", s.getAttributes().get(AttributeKey.stringKey("url.full")));
      assertEquals(
          Long.parseLong(e.getValue()),
          s.getAttributes().get(AttributeKey.longKey("http.response.status_code")));
      assertEquals(e.getValue(), s.getAttributes().get(AttributeKey.stringKey("error.type")));
      assertEquals(StatusCode.ERROR, s.getStatus().getStatusCode());
      assertEquals(1L, s.getAttributes().get(HooklineTelemetry.ATTEMPT_NUMBER));
    }
  }
}
