package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.pending;
import static dev.hookline.store.jdbc.Fixtures.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Delivery;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A publish whose grouped write gave up on a lock held by a caller's open transaction (the
 * transactional outbox enqueued the same event and has not committed) is written by its own caller
 * alone, waiting for that transaction, as deleting a webhook does. That write ran under the store's
 * network timeout (30 s by default): a caller's transaction open longer than that made the driver
 * kill the connection and the publish failed as UNAVAILABLE, "the database is unreachable", while
 * the database was fine and answering. Here the network timeout is 1 s.
 */
class HandedBackEnqueueNetworkTimeoutReviewTest {
  private static final String SCHEMA = "handed_back_timeout_review";
  private static final Duration NETWORK_TIMEOUT = Duration.ofSeconds(1);
  private static final SimpleConnectionPool POOL =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 6);

  @AfterAll
  static void dropSchema() {
    EmbeddedDb.dropSchema(POOL, SCHEMA);
    POOL.close();
  }

  /** Whether the handed-back write (the plain statement) has waited on a lock for over 2 s. */
  private static boolean handedBackWriteWaitedPastTheNetworkTimeout() {
    return EmbeddedDb.count(
            POOL,
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                + " AND query LIKE 'WITH dv AS%' AND query NOT LIKE '%set_config%'"
                + " AND query_start < now() - interval '"
                + 2 * NETWORK_TIMEOUT.toMillis()
                + " milliseconds'")
        > 0;
  }

  @Test
  void aPublishWaitingForACallersTransactionLongerThanTheNetworkTimeoutDoesNotFail()
      throws Exception {
    PostgresStore store =
        PostgresStore.builder(POOL)
            .schema(SCHEMA)
            .secretCipher(EmbeddedDb.cipher())
            .networkTimeout(NETWORK_TIMEOUT)
            .build();
    EmbeddedDb.truncate(POOL, SCHEMA);
    store.insertWebhook(webhook("wh_a", T0));
    try (Connection caller = POOL.getConnection()) {
      caller.setAutoCommit(false);
      try {
        assertEquals(
            1, store.enqueue(caller, List.of(pending("dlv_tx", "wh_a", "evt_1", T0))).size());
        CompletableFuture<List<Delivery>> same = new CompletableFuture<>();
        Thread t =
            new Thread(
                () -> {
                  try {
                    same.complete(
                        store.enqueue(List.of(pending("dlv_plain", "wh_a", "evt_1", T0))));
                  } catch (RuntimeException | Error e) {
                    same.completeExceptionally(e);
                  }
                },
                "publish-same-event");
        t.start();
        Poll.until(
            Duration.ofSeconds(20),
            () -> same.isDone() || handedBackWriteWaitedPastTheNetworkTimeout(),
            "the plain publish waits for the caller's transaction past the network timeout");
        if (same.isDone()) {
          try {
            same.get();
          } catch (ExecutionException e) {
            throw new AssertionError(
                "the publish failed while waiting for the caller's open transaction: "
                    + e.getCause(),
                e.getCause());
          }
        }
        caller.commit();
        assertTrue(
            same.get(10, TimeUnit.SECONDS).isEmpty(),
            "the caller's delivery was there first: the plain publish adds none");
        t.join(10_000);
      } finally {
        caller.rollback();
      }
    }
    assertEquals(1, store.countDeliveries("wh_a").total());
  }
}
