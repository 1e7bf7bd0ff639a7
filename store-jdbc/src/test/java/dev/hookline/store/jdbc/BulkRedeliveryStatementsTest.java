package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.filter.Filters;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A bulk redelivery on PostgreSQL: {@code redeliverFailed} of a webhook whose endpoint was down for
 * a day read its failed deliveries in windows and requeued them one statement (and one commit)
 * each: 100,000 failed deliveries took 100,401 statements and 145 s, inside the admin API's
 * request. Counted here in statements run, not timed.
 */
class BulkRedeliveryStatementsTest {
  private static final String SCHEMA = "bulk_redelivery";
  private static final SimpleConnectionPool POOL =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 8);
  private static final AtomicLong STATEMENTS = new AtomicLong();
  private static final DataSource COUNTING = CountingDataSource.of(POOL, STATEMENTS);
  private static final Instant T0 = Instant.parse("2026-11-30T00:00:00Z");
  private static final int FAILED = 2_000;

  @BeforeAll
  static void createSchema() {
    EmbeddedDb.dropSchema(POOL, SCHEMA);
    EmbeddedDb.store(POOL, SCHEMA).close();
  }

  @AfterAll
  static void dropSchema() {
    EmbeddedDb.dropSchema(POOL, SCHEMA);
    POOL.close();
  }

  @Test
  void aWebhooksFailedDeliveriesAreRequeuedAThousandPerStatementOldestFirstAndPaced() {
    ManualClock clock = ManualClock.at(T0.plus(Duration.ofDays(1)));
    try (PostgresStore store = EmbeddedDb.store(COUNTING, SCHEMA)) {
      store.insertWebhook(Fixtures.webhook("wh_down", T0));
      List<Delivery> batch = new ArrayList<>();
      for (int i = 0; i < FAILED; i++) {
        Instant created = T0.plusSeconds(i);
        Event e = Fixtures.event("evt_" + i, created);
        batch.add(Delivery.pending("dlv_" + i, "wh_down", e, created));
      }
      assertEquals(FAILED, store.enqueue(batch).size());
      failAll(store);

      WebhookRegistry registry =
          WebhookRegistry.builder()
              .store(store)
              .clock(clock)
              .filterCompiler(Filters.compiler())
              .build();
      try (Dispatcher d =
          Dispatcher.builder()
              .registry(registry)
              .clock(clock)
              .redeliveryPace(Duration.ofMillis(100))
              .build()) {
        long before = STATEMENTS.get();
        int requeued = d.redeliverFailed("wh_down", T0);
        long statements = STATEMENTS.get() - before;

        assertEquals(FAILED, requeued);
        // Before: one UPDATE per delivery besides the reads, 2,000 and more here. Now the reads
        // (four pages of 500 to find the windows, one window) and two requeues of a thousand.
        assertTrue(statements <= 20, "statements: " + statements);
      }
      List<Delivery> queued =
          new ArrayList<>(
              store.findDeliveries(
                  DeliveryQuery.builder()
                      .webhook("wh_down")
                      .states(DeliveryState.RETRYING)
                      .limit(FAILED)
                      .build()));
      assertEquals(FAILED, queued.size());
      queued.sort(Comparator.comparing(Delivery::createdAt));
      Instant now = clock.instant();
      for (int i = 0; i < FAILED; i += 499) {
        assertEquals(
            now.plusMillis(100L * i),
            queued.get(i).nextAttemptAt().orElseThrow(),
            "the " + i + "th oldest is due after " + i + " paces");
      }
    }
  }

  /**
   * Claims every delivery and records a failed attempt for the first; the others are made failed
   * like it in one statement (through the Store, a recorded outcome each took seconds).
   */
  private static void failAll(PostgresStore store) {
    Instant now = T0.plus(Duration.ofDays(1));
    List<ClaimedDelivery> claimed =
        store.claim(ClaimRequest.of("setup", now, Duration.ofHours(1), FAILED));
    assertEquals(FAILED, claimed.size());
    ClaimedDelivery first = claimed.get(0);
    assertTrue(
        store.fail(first.lease(), Attempt.response(1, T0, Duration.ofMillis(5), 503, "down"), now));
    EmbeddedDb.execute(
        POOL,
        "UPDATE "
            + SCHEMA
            + ".deliveries d SET state = f.state, attempt_count = f.attempt_count, attempts ="
            + " f.attempts, next_attempt_at = NULL, lease_owner = NULL, lease_token = NULL,"
            + " lease_expires_at = NULL, updated_at = f.updated_at FROM "
            + SCHEMA
            + ".deliveries f WHERE f.id = '"
            + first.delivery().id()
            + "' AND d.id <> f.id");
    assertEquals(
        FAILED,
        EmbeddedDb.count(
            POOL, "SELECT count(*) FROM " + SCHEMA + ".deliveries WHERE state = 'FAILED'"));
  }
}
