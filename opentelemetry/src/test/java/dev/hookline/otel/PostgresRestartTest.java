package dev.hookline.otel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.filter.Filters;
import dev.hookline.spi.SecretCipher;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.store.jdbc.PostgresStore;
import dev.hookline.testing.ManualClock;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * An event published under a trace, delivered by another dispatcher after a restart (a new store,
 * registry and dispatcher over the same database), links to that trace: the publish context is kept
 * in PostgreSQL.
 */
class PostgresRestartTest {

  private static SecretCipher cipher() {
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) 7);
    return AesGcmSecretCipher.builder().primaryKey("test-1", key).build();
  }

  private static WebhookRegistry registry(DataSource ds, ManualClock clock) {
    PostgresStore store =
        PostgresStore.builder(ds).schema("otel_restart").secretCipher(cipher()).build();
    return WebhookRegistry.builder()
        .store(store)
        .clock(clock)
        .filterCompiler(Filters.compiler())
        .allowInsecureLoopbackForDevelopment(true)
        .build();
  }

  @Test
  void anEventPublishedUnderATraceAndDeliveredAfterARestartLinksToThatTrace() throws IOException {
    Fixture f = new Fixture();
    ManualClock clock = ManualClock.at(Instant.parse("2026-11-22T10:00:00Z"));
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
        Listener listener = new Listener()) {
      DataSource ds = pg.getPostgresDatabase();
      HooklineTelemetry before = HooklineTelemetry.builder(f.otel).build();
      WebhookRegistry first = registry(ds, clock);
      Fixture.receiving(first, "endpoint", listener.uri("/hook"));
      Event e = Fixture.event(clock.instant());
      SpanContext publish;
      try (Dispatcher d =
          Dispatcher.builder()
              .registry(first)
              .publishContext(before.publishContextCapturer())
              .attemptObserver(before)
              .build()) {
        Span span = f.otel.getTracer("test").spanBuilder("signup").startSpan();
        Scope s = span.makeCurrent();
        try {
          assertEquals(1, d.publish(e).count());
        } finally {
          s.close();
          span.end();
        }
        publish = span.getSpanContext();
      } // closed before any attempt: the "process" stops with the delivery queued

      HooklineTelemetry after = HooklineTelemetry.builder(f.otel).build();
      WebhookRegistry second = registry(ds, clock);
      try (Dispatcher d = Dispatcher.builder().registry(second).attemptObserver(after).build()) {
        assertEquals(1, d.runDueNow());
        assertEquals(
            DeliveryState.SUCCEEDED,
            d.deliveries(DeliveryQuery.builder().event(e.id()).build()).get(0).state());
      }
      assertEquals(1, listener.requests("/hook").size());
      List<SpanData> attempts =
          f.spans.getFinishedSpanItems().stream()
              .filter(s -> s.getKind() == SpanKind.CLIENT)
              .toList();
      assertEquals(1, attempts.size());
      SpanContext linked = attempts.get(0).getLinks().get(0).getSpanContext();
      assertEquals(publish.getTraceId(), linked.getTraceId());
      assertEquals(publish.getSpanId(), linked.getSpanId());
    } finally {
      f.otel.close();
    }
  }
}
