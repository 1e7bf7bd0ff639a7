package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Delivery;
import dev.hookline.DeliveryCounts;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.filter.Filters;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code Dispatcher.summary()}, which hookline-micrometer's gauges read every refresh (30 s by
 * default) on the thread that reads a gauge, asked the Store for one webhook's counts at a time:
 * with 50,000 webhooks, 50,000 statements per refresh. Counted here in statements, not timed.
 */
class SummaryStatementsTest {
  private static final String SCHEMA = "summary_statements";
  private static final SimpleConnectionPool POOL =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 4);
  private static final Instant T0 = Instant.parse("2026-11-30T00:00:00Z");
  private static final int WEBHOOKS = 150;

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
  void theSummaryOfEveryWebhookIsOneStatement() {
    AtomicLong statements = new AtomicLong();
    ManualClock clock = ManualClock.at(T0);
    try (PostgresStore store = EmbeddedDb.store(CountingDataSource.of(POOL, statements), SCHEMA)) {
      List<Delivery> batch = new ArrayList<>();
      for (int i = 0; i < WEBHOOKS; i++) {
        store.insertWebhook(Fixtures.webhook("wh_" + i, T0));
        if (i % 3 == 0) {
          batch.add(Fixtures.pending("dlv_" + i, "wh_" + i, "evt_" + i, T0));
        }
      }
      store.enqueue(batch);
      assertEquals(10, store.claim(ClaimRequest.of("w", T0, Duration.ofMinutes(1), 10)).size());
      WebhookRegistry registry =
          WebhookRegistry.builder()
              .store(store)
              .clock(clock)
              .filterCompiler(Filters.compiler())
              .build();
      try (Dispatcher d = Dispatcher.builder().registry(registry).clock(clock).build()) {
        long before = statements.get();
        DeliveryCounts counts = d.summary();
        long used = statements.get() - before;

        assertEquals(new DeliveryCounts(50, 40, 10, 0, 0, 0), counts);
        // Before: one per webhook the dispatcher knows, 150 here.
        assertTrue(used <= 2, "statements: " + used);
      }
    }
  }
}
