package dev.hookline.otel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.RetrySchedule;
import dev.hookline.filter.Filters;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.LoopbackSink;
import dev.hookline.testing.Poll;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review (obs): an attempt whose request went out and was cut off by {@code Dispatcher.close()}
 * ends its CLIENT span with status UNSET and no {@code error.type}: a trace shows a POST that got
 * no answer as if nothing went wrong. HTTP semantic conventions want {@code error.type} on a
 * request that ended without a response, and Hookline's other no-answer outcomes (timeout, connect
 * failure) do get it. The observer is told the constant NOT_ATTEMPTED, with no error kind.
 */
class CutOffAtCloseReviewTest {

  @Test
  void anAttemptCutOffByCloseEndsItsSpanAsAnError() throws Exception {
    Fixture f = new Fixture();
    InMemoryStore store = new InMemoryStore();
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(store)
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    try (LoopbackSink sink = LoopbackSink.recording()) {
      sink.pause(); // the endpoint holds the request: the attempt stays in flight
      HooklineTelemetry tracing = HooklineTelemetry.builder(f.otel).build();
      Dispatcher d =
          Dispatcher.builder()
              .registry(registry)
              .retrySchedule(
                  RetrySchedule.builder()
                      .delays(Duration.ofSeconds(10))
                      .attemptTimeout(Duration.ofSeconds(30))
                      .build())
              .shutdownTimeout(Duration.ZERO)
              .attemptObserver(tracing)
              .build();
      try {
        Fixture.receiving(registry, "held", sink.uri("/held"));
        d.start();
        d.publish(Fixture.event(Instant.now()));
        Poll.until(Duration.ofSeconds(10), () -> sink.total() == 1, "the request arrived");
      } finally {
        d.close(); // cuts the attempt off
        sink.resume();
      }
      List<SpanData> spans =
          f.spans.getFinishedSpanItems().stream()
              .filter(s -> s.getKind() == SpanKind.CLIENT)
              .toList();
      assertEquals(1, spans.size(), "the attempt's span ended by the time close() returned");
      SpanData s = spans.get(0);
      assertNotNull(
          s.getAttributes().get(AttributeKey.stringKey("error.type")),
          "a request sent and cut off without an answer has an error.type; attributes: "
              + s.getAttributes());
      assertEquals(
          StatusCode.ERROR,
          s.getStatus().getStatusCode(),
          "cut off without an answer, yet the span's status is not ERROR; attributes: "
              + s.getAttributes());
    } finally {
      f.otel.close();
    }
  }
}
