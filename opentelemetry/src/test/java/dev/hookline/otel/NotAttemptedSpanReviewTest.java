package dev.hookline.otel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.filter.Filters;
import dev.hookline.store.InMemoryStore;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review r97: an attempt that failed inside Hookline before it sent anything (here the host's
 * {@code retrySchedules} function threw; also a send the destination check refused for a local
 * reason) ends its scope with {@code Outcome.NOT_ATTEMPTED}, no status code and no {@code
 * ErrorKind}. Its CLIENT span ended with status UNSET and no {@code error.type}: in a trace it
 * looked like a request that went well, while the delivery was not sent and the dispatcher logged
 * an ERROR ("delivery attempt failed inside Hookline"). Per the HTTP semantic conventions a client
 * request that ended without a response because of an error has {@code error.type} set and status
 * ERROR.
 */
class NotAttemptedSpanReviewTest {

  @Test
  void anAttemptThatFailedInsideHooklineIsAnErrorSpan() {
    Fixture f = new Fixture();
    InMemoryStore store = new InMemoryStore();
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(store)
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    try (Listener listener = new Listener();
        Dispatcher d =
            Dispatcher.builder()
                .registry(registry)
                .retrySchedules(
                    w -> {
                      throw new IllegalStateException("the host's schedule lookup failed");
                    })
                .attemptObserver(HooklineTelemetry.builder(f.otel).build())
                .build()) {
      Fixture.receiving(registry, "hook", listener.uri("/hook"));
      d.publish(Fixture.event(Instant.now()));
      d.runDueNow();
      assertEquals(0, listener.requests("/hook").size(), "nothing was sent");
      List<SpanData> spans =
          f.spans.getFinishedSpanItems().stream()
              .filter(s -> s.getKind() == SpanKind.CLIENT)
              .toList();
      assertEquals(1, spans.size(), spans.toString());
      SpanData s = spans.get(0);
      assertNull(s.getAttributes().get(AttributeKey.longKey("http.response.status_code")));
      assertEquals(
          StatusCode.ERROR,
          s.getStatus().getStatusCode(),
          "no request went out and the attempt failed, but the span reads as one that went well");
      assertEquals("internal", s.getAttributes().get(AttributeKey.stringKey("error.type")));
    } finally {
      f.otel.close();
    }
  }
}
