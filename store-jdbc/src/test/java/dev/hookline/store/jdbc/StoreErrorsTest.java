package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.API_KEY;
import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.ok;
import static dev.hookline.store.jdbc.Fixtures.pending;
import static dev.hookline.store.jdbc.Fixtures.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Delivery;
import dev.hookline.DeliveryState;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clear errors when the database is unreachable, and recovery without manual action when it comes
 * back: a PostgreSQL restart loses nothing that was committed.
 */
class StoreErrorsTest {
  private static final Duration LEASE = Duration.ofSeconds(30);

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void anUnreachableDatabaseIsAClearRetryableError() throws IOException {
    StoreException e;
    try (SimpleConnectionPool unreachable = EmbeddedDb.poolForPort(closedPort(), 1)) {
      e =
          assertThrows(
              StoreException.class,
              () -> PostgresStore.builder(unreachable).secretCipher(EmbeddedDb.cipher()).build());
    }
    assertEquals(StoreException.Reason.UNAVAILABLE, e.reason());
    assertTrue(e.isRetryable());
    assertEquals("migrate the schema", e.operation());
    assertTrue(e.getMessage().contains("unreachable"), e.getMessage());
    assertTrue(e.getMessage().contains("SQLState 08"), e.getMessage());
  }

  @Test
  void aDatabaseRestartIsSurvivedWithoutLosingAnything(@TempDir Path dir) throws Exception {
    Path data = Files.createDirectories(dir.resolve("pgdata"));
    int port = closedPort();
    EmbeddedPostgres pg = start(data, port);
    try (SimpleConnectionPool pool = EmbeddedDb.poolForPort(port, 4)) {
      PostgresStore store = EmbeddedDb.store(pool, "restart");
      store.insertWebhook(webhook("wh_a", T0));
      List<Delivery> batch = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        batch.add(pending("dlv_" + i, "wh_a", "evt_" + i, T0));
      }
      assertEquals(200, store.enqueue(batch).size());
      List<ClaimedDelivery> first = store.claim(ClaimRequest.of("w1", T0, LEASE, 50));
      for (ClaimedDelivery c : first) {
        assertTrue(store.complete(c.lease(), ok(1, T0), T0));
      }

      pg.close(); // the server stops; the data directory is kept
      StoreException down =
          assertThrows(
              StoreException.class, () -> store.claim(ClaimRequest.of("w1", T0, LEASE, 50)));
      assertEquals(StoreException.Reason.UNAVAILABLE, down.reason(), down.getMessage());
      assertFalse(down.getMessage().contains(API_KEY));
      StoreException insertDown =
          assertThrows(StoreException.class, () -> store.insertWebhook(webhook("wh_b", T0)));
      assertFalse(insertDown.getMessage().contains(API_KEY), "no secret in the message");

      pg = start(data, port);
      // The pool's broken connections fail once each and are dropped; the caller's loop retries.
      AtomicReference<List<ClaimedDelivery>> claimed = new AtomicReference<>();
      Poll.until(
          Duration.ofSeconds(30),
          () -> {
            try {
              claimed.set(store.claim(ClaimRequest.of("w1", T0, LEASE, 1000)));
              return true;
            } catch (StoreException e) {
              assertTrue(e.isRetryable(), e.getMessage());
              return false;
            }
          },
          "the store works again once the database is back");
      assertEquals(150, claimed.get().size(), "every committed pending delivery survived");
      for (ClaimedDelivery c : claimed.get()) {
        assertTrue(store.complete(c.lease(), ok(1, T0), T0));
      }
      assertEquals(200, store.countDeliveries("wh_a").succeeded());
      assertEquals(DeliveryState.SUCCEEDED, store.findDelivery("dlv_0").orElseThrow().state());
      assertEquals(API_KEY, store.findWebhook("wh_a").orElseThrow().apiKey().reveal());
    } finally {
      pg.close();
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
