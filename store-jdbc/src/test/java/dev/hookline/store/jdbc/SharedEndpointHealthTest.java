package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.WebhookStatus;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.RetrySchedule;
import dev.hookline.filter.Filters;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.TestWebhooks;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The 5-day failure clock on real PostgreSQL: one process marks it, a process started days later on
 * the same database continues it and disables the webhook on time, and re-enabling clears it.
 */
class SharedEndpointHealthTest {
  private static final String SCHEMA = "health";
  private static final SimpleConnectionPool POOL =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 6);

  private final ManualClock clock = ManualClock.at(Instant.parse("2026-11-23T10:00:00Z"));

  @AfterAll
  static void dropSchema() {
    EmbeddedDb.dropSchema(POOL, SCHEMA);
    POOL.close();
  }

  /** One application process: its own store object, registry and dispatcher on the shared DB. */
  private record AppProcess(PostgresStore store, WebhookRegistry registry, Dispatcher dispatcher)
      implements AutoCloseable {
    @Override
    public void close() {
      dispatcher.close();
    }
  }

  private AppProcess process() {
    PostgresStore store = EmbeddedDb.store(POOL, SCHEMA);
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(store)
            .clock(clock)
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    Dispatcher dispatcher =
        Dispatcher.builder()
            .registry(registry)
            .jitter(() -> 0.5)
            .retrySchedule(RetrySchedule.builder().attemptTimeout(Duration.ofSeconds(2)).build())
            .shutdownTimeout(Duration.ofSeconds(2))
            .disableAfter(Duration.ofDays(5))
            .build();
    return new AppProcess(store, registry, dispatcher);
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort(); // nothing listens once closed: every attempt fails to connect
    }
  }

  private Event event() {
    return Event.builder(UserEvents.CREATED).user("usr_1").occurredAt(clock.instant()).build();
  }

  @Test
  void aProcessStartedDaysLaterContinuesTheClockAndDisablesOnTime() throws IOException {
    EmbeddedDb.dropSchema(POOL, SCHEMA); // a fresh schema: the first process migrates it
    Instant t0 = clock.instant();
    Webhook w;
    try (AppProcess first = process()) {
      Webhook created =
          first
              .registry()
              .create(
                  WebhookDefinition.builder()
                      .name("down")
                      .uri("http://127.0.0.1:" + closedPort() + "/hook")
                      .apiKey("test-api-key-0123456789")
                      .events(UserEvents.CREATED)
                      .build());
      TestWebhooks.markVerified(first.registry(), created.id());
      w = first.registry().enable(created.id());
      first.dispatcher().publish(event());
      first.dispatcher().runDueNow();
      clock.advance(Duration.ofHours(2)); // its retries fail for over an hour: the clock is marked
      first.dispatcher().runDueNow();
      assertEquals(Optional.of(t0), first.store().endpointFailingSince(w.id()));
    }

    clock.advance(Duration.ofDays(3)); // the application is redeployed
    try (AppProcess second = process()) {
      second.dispatcher().publish(event());
      second.dispatcher().runDueNow();
      clock.advance(Duration.ofHours(2));
      second.dispatcher().runDueNow();
      assertEquals(
          Optional.of(t0),
          second.store().endpointFailingSince(w.id()),
          "the new process's run joined the clock started before the restart");
      assertEquals(WebhookStatus.VERIFIED, second.registry().require(w.id()).status());

      clock.advance(Duration.ofDays(2));
      second.dispatcher().publish(event());
      second.dispatcher().runDueNow();
      Webhook disabled = second.registry().require(w.id());
      assertEquals(WebhookStatus.DISABLED_BY_FAILURE, disabled.status());
      assertTrue(
          disabled.statusReason().orElseThrow().contains("since " + t0), disabled.toString());

      second.registry().enable(w.id());
      assertTrue(second.store().endpointFailingSince(w.id()).isEmpty(), "enable clears it");
    }
  }
}
