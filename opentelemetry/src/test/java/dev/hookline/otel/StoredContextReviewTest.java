package dev.hookline.otel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.filter.Filters;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Review (r131): what the Store hands back as a delivery's publish context is data, not trusted: a
 * garbage or malformed {@code traceparent} (an older writer, a hand-edited row) costs the link
 * only; the attempt is still made and traced, and no header is made from it.
 */
class StoredContextReviewTest {

  @Test
  void aGarbageTraceparentKeptWithADeliveryIsNoLinkAndNoFailure() {
    Fixture f = new Fixture();
    ManualClock clock = ManualClock.at(Instant.parse("2026-12-03T10:00:00Z"));
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(new InMemoryStore())
            .clock(clock)
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    List<String> stored =
        List.of(
            "garbage",
            "",
            "00-00000000000000000000000000000000-0000000000000000-01",
            "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-\u00e9x\n",
            "x".repeat(10_000));
    try (Listener listener = new Listener()) {
      for (int i = 0; i < stored.size(); i++) {
        Fixture.receiving(registry, "w" + i, listener.uri("/w" + i));
      }
      HooklineTelemetry tracing = HooklineTelemetry.builder(f.otel).propagateTo(w -> true).build();
      for (String traceparent : stored) {
        f.spans.reset();
        try (Dispatcher d =
            Dispatcher.builder()
                .registry(registry)
                .clock(clock)
                .publishContext(e -> Optional.of(traceparent))
                .attemptObserver(tracing)
                .build()) {
          d.publish(Fixture.event(clock.instant()));
          d.runDueNow();
        }
        List<SpanData> spans =
            f.spans.getFinishedSpanItems().stream()
                .filter(s -> s.getKind() == SpanKind.CLIENT)
                .toList();
        assertEquals(stored.size(), spans.size(), "one span per webhook for " + traceparent);
        for (SpanData s : spans) {
          assertTrue(s.getLinks().isEmpty(), "no link from " + traceparent);
          assertFalse(s.getParentSpanContext().isValid());
        }
      }
      for (int i = 0; i < stored.size(); i++) {
        List<Map<String, List<String>>> got = listener.requests("/w" + i);
        assertEquals(stored.size(), got.size());
        for (Map<String, List<String>> h : got) {
          // The attempt's own span context, never the stored text.
          String sent = h.get("traceparent").get(0);
          assertTrue(sent.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01"), sent);
        }
      }
    } finally {
      f.otel.close();
    }
  }
}
