package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Delivery;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Retention purge racing a transactional publish of the same event: the purge deletes the event's
 * last finished delivery while a caller's open transaction adds a new delivery of that event (a
 * republish to a webhook created since). The purge must neither fail nor take the event the new
 * delivery needs.
 */
class PurgeRepublishRaceReviewTest {
  private static final String SCHEMA = "purge_republish_review";
  private static final SimpleConnectionPool DS =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 4);

  @BeforeAll
  static void createSchema() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    EmbeddedDb.store(DS, SCHEMA);
  }

  @AfterAll
  static void dropSchema() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    DS.close();
  }

  @Test
  void aPurgeRacingARepublishInACallersTransactionKeepsTheEventAndSucceeds() throws Exception {
    PostgresStore store = EmbeddedDb.store(DS, SCHEMA);
    store.insertWebhook(Fixtures.webhook("wh_a", T0));
    store.insertWebhook(Fixtures.webhook("wh_b", T0));
    store.enqueue(List.of(Fixtures.pending("dlv_1", "wh_a", "evt_1", T0)));
    ClaimedDelivery c = store.claim(ClaimRequest.of("w", T0, Duration.ofMinutes(1), 1)).get(0);
    assertTrue(store.complete(c.lease(), Fixtures.ok(1, T0), T0));

    CompletableFuture<Integer> purge;
    try (Connection caller = DS.getConnection()) {
      caller.setAutoCommit(false);
      List<Delivery> added =
          store.enqueue(caller, List.of(Fixtures.pending("dlv_2", "wh_b", "evt_1", T0)));
      assertEquals(1, added.size());

      purge = CompletableFuture.supplyAsync(() -> store.purge(T0.plus(Duration.ofDays(8)), 100));
      // The purge has deleted dlv_1 and now waits for the caller's lock on the event row (or it
      // has finished without waiting).
      Poll.until(
          Duration.ofSeconds(10),
          () ->
              purge.isDone()
                  || EmbeddedDb.count(
                          DS,
                          "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                              + " AND query LIKE 'DELETE FROM \""
                              + SCHEMA
                              + "\".events%'")
                      > 0,
          "the purge reaches the event");
      caller.commit();
    }

    int purged;
    try {
      purged = purge.get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("the purge failed: " + e.getCause(), e.getCause());
    }
    assertEquals(1, purged, "dlv_1 was purged");
    Delivery republished = store.findDelivery("dlv_2").orElseThrow();
    assertEquals("evt_1", republished.event().id());
    assertEquals(1, EmbeddedDb.count(DS, "SELECT count(*) FROM " + SCHEMA + ".events"));
  }
}
