package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.testing.LoopbackSink;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL restarts while a dispatcher is delivering: the dispatcher keeps running, recovers by
 * itself when the database is back, and delivers everything; repeats are bounded by the attempts
 * that were in flight.
 */
class DispatcherRestartTest {
  private static final int WORKERS = 8;

  @Test
  void theDispatcherRecoversFromADatabaseRestartAndLosesNothing(@TempDir Path dir)
      throws Exception {
    Path data = Files.createDirectories(dir.resolve("pgdata"));
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    ManualClock clock = ManualClock.at(Instant.parse("2026-11-23T10:00:00Z"));
    EmbeddedPostgres pg = start(data, port);
    try (LoopbackSink sink = LoopbackSink.recording();
        SimpleConnectionPool adminPool = EmbeddedDb.poolForPort(port, 2)) {
      SimpleConnectionPool pool = EmbeddedDb.poolForPort(port, WORKERS + 2);
      try (Instance app = new Instance(pool, EmbeddedDb.store(pool, "hookline"), clock, WORKERS)) {
        PostgresStore admin = EmbeddedDb.store(adminPool, "hookline");
        Webhook w = app.receivingWebhook(sink.uri("/hook"));
        int events = 2_000;
        List<Event> batch = new ArrayList<>();
        for (int n = 0; n < events; n++) {
          batch.add(
              Event.builder(UserEvents.CREATED)
                  .id("evt_" + n)
                  .occurredAt(clock.instant())
                  .user("user-" + n)
                  .data(JsonNodeFactory.instance.objectNode().put("n", n))
                  .build());
          if (batch.size() == 200) {
            app.dispatcher.publish(batch);
            batch = new ArrayList<>();
          }
        }
        Poll.until(
            Duration.ofSeconds(60), () -> sink.distinct() >= 300, "300 deliveries reach the sink");

        pg.close(); // PostgreSQL stops in the middle of the delivery
        StoreException down =
            assertThrows(
                StoreException.class,
                () ->
                    app.dispatcher.publish(
                        Event.builder(UserEvents.CREATED)
                            .occurredAt(clock.instant())
                            .user("late")
                            .build()));
        assertTrue(down.isRetryable(), "publishing while down fails clearly: " + down);
        int sentWhileStopping = sink.total();

        // Attempts whose outcome could not be recorded keep their lease until it expires, or, when
        // handing them back still worked, are due again after the dispatcher's 1-minute back-off
        // for internal errors: move the clock past both. Before the restart, while no claim can
        // succeed: a jump after it would also expire the leases of attempts claimed since, while
        // they are in flight, and they would go out twice.
        clock.advance(Duration.ofMinutes(1).plus(Instance.LEASE).plusSeconds(1));
        pg = start(data, port);
        Poll.until(
            Duration.ofSeconds(90),
            () -> succeeded(admin, w) == events,
            () -> "succeeded " + succeeded(admin, w));
        assertEquals(events, sink.distinct(), "nothing is lost");
        int duplicates = sink.total() - events;
        assertTrue(
            duplicates <= WORKERS,
            "repeats are bounded by the attempts in flight: "
                + duplicates
                + " (sent before the restart: "
                + sentWhileStopping
                + ")");
        assertEquals(0, sink.mismatched());
      }
    } finally {
      pg.close();
    }
  }

  /** The succeeded count, or -1 while this test's own pooled connections are still stale. */
  private static long succeeded(PostgresStore admin, Webhook w) {
    try {
      return admin.countDeliveries(w.id()).succeeded();
    } catch (StoreException e) {
      assertTrue(e.isRetryable(), e.getMessage());
      return -1;
    }
  }

  private static EmbeddedPostgres start(Path data, int port) throws IOException {
    return EmbeddedPostgres.builder()
        .setDataDirectory(data)
        .setCleanDataDirectory(false)
        .setPort(port)
        .start();
  }
}
