package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.ok;
import static dev.hookline.store.jdbc.Fixtures.pending;
import static dev.hookline.store.jdbc.Fixtures.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.DeliveryState;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * One outcome write stuck on a connection that stopped answering (its packets dropped: a failover
 * or a firewall; or a backend that hangs) held every other worker's outcome too: the grouped write
 * has one leader at a time, and the others waited for it however long the socket read lasted
 * (forever behind a black hole that acknowledges packets). The store now bounds how long it waits
 * for an answer on a connection with no socket timeout of its own: the stuck write fails as
 * unavailable (its delivery stays in flight, to be sent again), and the outcomes behind it go
 * through on another connection.
 */
class StalledOutcomeWriteTest {
  private static final String SCHEMA = "stalled_outcomes";
  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  @Test
  void anOutcomeIsRecordedOnceAWriteOnADeadConnectionTimesOut() throws Exception {
    try (BlackHoleRelay relay = new BlackHoleRelay(EmbeddedDb.server().getPort());
        SimpleConnectionPool pool =
            SimpleConnectionPool.forUrl(
                "jdbc:postgresql://127.0.0.1:"
                    + relay.port()
                    + "/postgres?user=postgres&connectTimeout=5",
                4)) {
      EmbeddedDb.dropSchema(EmbeddedDb.dataSource(), SCHEMA);
      PostgresStore store =
          PostgresStore.builder(pool)
              .schema(SCHEMA)
              .secretCipher(EmbeddedDb.cipher())
              .networkTimeout(TIMEOUT)
              .build();
      store.insertWebhook(webhook("wh_1", T0));
      store.enqueue(
          List.of(pending("dlv_1", "wh_1", "evt_1", T0), pending("dlv_2", "wh_1", "evt_2", T0)));
      List<ClaimedDelivery> claimed =
          store.claim(ClaimRequest.of("worker", T0, Duration.ofMinutes(5), 10));
      assertEquals(2, claimed.size());
      ClaimedDelivery stuck = claimed.get(0);
      ClaimedDelivery behind = claimed.get(1);

      // Every connection open now stops answering; connections opened later work.
      relay.blackHoleExisting();
      AtomicReference<RuntimeException> firstFailure = new AtomicReference<>();
      CountDownLatch firstDone = new CountDownLatch(1);
      Thread first =
          new Thread(
              () -> {
                try {
                  store.complete(stuck.lease(), ok(1, T0), T0);
                } catch (RuntimeException e) {
                  firstFailure.set(e);
                } finally {
                  firstDone.countDown();
                }
              },
              "first worker");
      first.setDaemon(true);
      first.start();
      Poll.until(
          Duration.ofSeconds(10),
          () -> relay.swallowed() > 0,
          "the first outcome write is on its way over the dead connection");

      CountDownLatch secondDone = new CountDownLatch(1);
      Thread second =
          new Thread(
              () -> {
                try {
                  store.complete(behind.lease(), ok(1, T0), T0);
                } finally {
                  secondDone.countDown();
                }
              },
              "second worker");
      second.setDaemon(true);
      second.start();
      // Bounded well above the timeout, far below TCP's own give-up of about 15 minutes.
      boolean recorded = secondDone.await(30, TimeUnit.SECONDS);
      boolean firstEnded = firstDone.await(30, TimeUnit.SECONDS);
      relay.cut();
      assertTrue(
          recorded,
          "the second outcome waited for a write on a dead connection it had nothing to do with");
      assertTrue(firstEnded, "the write on the dead connection never ended");
      StoreException failure = assertInstanceOf(StoreException.class, firstFailure.get());
      assertEquals(StoreException.Reason.UNAVAILABLE, failure.reason());

      PostgresStore check = EmbeddedDb.store(EmbeddedDb.dataSource(), SCHEMA);
      assertEquals(DeliveryState.SUCCEEDED, check.findDelivery("dlv_2").orElseThrow().state());
      assertEquals(
          DeliveryState.IN_FLIGHT,
          check.findDelivery("dlv_1").orElseThrow().state(),
          "not recorded, so sent again when its lease expires");
    } finally {
      EmbeddedDb.dropSchema(EmbeddedDb.dataSource(), SCHEMA);
    }
  }
}
