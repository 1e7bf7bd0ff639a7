package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.spi.Lane;
import dev.hookline.store.jdbc.internal.Sql;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The hot queries can use their indexes: the planner, with sequential scans, bitmap scans and sorts
 * priced out (as on a large table where only an ordered index scan with an early stop is cheap),
 * plans each of the store's own statements with the index made for it. (On a near-empty table the
 * planner would rightly prefer a sequential scan, so this checks that the index is usable, which is
 * what a mismatch between a partial index's predicate and the query would break.)
 */
class IndexUsageTest {
  private static final String SCHEMA = "indexes";
  private static final SimpleConnectionPool DS =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 2);
  private static final OffsetDateTime NOW =
      OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);

  @BeforeAll
  static void migrate() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    EmbeddedDb.store(DS, SCHEMA);
  }

  @AfterAll
  static void cleanUp() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    DS.close();
  }

  private static String plan(String sql, Object... params) throws SQLException {
    try (Connection c = DS.getConnection()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("SET LOCAL enable_seqscan = off");
        s.execute("SET LOCAL enable_bitmapscan = off");
        s.execute("SET LOCAL enable_sort = off");
      }
      StringBuilder out = new StringBuilder();
      try (PreparedStatement ps = c.prepareStatement("EXPLAIN " + sql)) {
        for (int i = 0; i < params.length; i++) {
          ps.setObject(i + 1, params[i]);
        }
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.append(rs.getString(1)).append('\n');
          }
        }
      }
      c.rollback();
      return out.toString();
    }
  }

  private static void assertUses(String index, String plan) {
    assertTrue(plan.contains(index), "expected " + index + " in\n" + plan);
  }

  /**
   * No sort of the whole input: the listings order ids byte-wise ({@code COLLATE "C"}) while the
   * indexes keep them in the database's collation, so the only sort allowed is an Incremental Sort
   * whose presorted key is the index's created_at: it sorts the rows of one instant at a time and
   * stops with the limit.
   */
  private static void assertNoFullSort(String plan) {
    int incremental = 0;
    int presorted = 0;
    for (String line : plan.lines().toList()) {
      if (line.contains("Incremental Sort  (")) {
        incremental++;
      } else if (line.contains("Sort  (")) {
        throw new AssertionError("a full sort in\n" + plan);
      }
      if (line.contains("Presorted Key: ")) {
        presorted++;
        assertTrue(
            line.trim().matches("Presorted Key: (\\w+\\.)?created_at"),
            "presorted by more or less than created_at in\n" + plan);
      }
    }
    assertEquals(incremental, presorted, "an incremental sort without a presorted key in\n" + plan);
  }

  @Test
  void eachClaimLaneScansItsOwnPartialIndex() throws SQLException {
    Sql sql = new Sql(SCHEMA);
    assertUses(
        "deliveries_due_first",
        plan(sql.claim(false, Lane.FIRST_ATTEMPTS, false), NOW, 10, "w", NOW, NOW));
    assertUses(
        "deliveries_due_retry",
        plan(sql.claim(false, Lane.RETRIES, false), NOW, 10, "w", NOW, NOW));
    assertUses("deliveries_leases", plan(sql.claim(true, Lane.ANY, false), NOW, 10, "w", NOW, NOW));
    assertUses(
        "deliveries_leases", plan(sql.claim(true, Lane.RETRIES, false), NOW, 10, "w", NOW, NOW));
  }

  @Test
  void aLaneClaimReadsExpiredLeasesAndQueuedDeliveriesFromTheirPartialIndexes()
      throws SQLException {
    Sql sql = new Sql(SCHEMA);
    String first =
        plan(sql.claimLane(Lane.FIRST_ATTEMPTS, false, false), NOW, 10, NOW, 10, 10, "w", NOW, NOW);
    assertUses("deliveries_leases", first);
    assertUses("deliveries_due_first", first);
    String retries =
        plan(sql.claimLane(Lane.RETRIES, false, false), NOW, 10, NOW, 10, 10, "w", NOW, NOW);
    assertUses("deliveries_leases", retries);
    assertUses("deliveries_due_retry", retries);
  }

  @Test
  void aCappedLaneClaimReadsTheSamePartialIndexes() throws SQLException {
    // The cap numbers the candidates per webhook after they are read: the reads stay those of the
    // uncapped claim, in due order from the partial indexes.
    Sql sql = new Sql(SCHEMA);
    try (Connection c = DS.getConnection()) {
      for (Lane lane : List.of(Lane.FIRST_ATTEMPTS, Lane.RETRIES)) {
        String plan =
            plan(
                sql.claimLane(lane, false, true),
                NOW,
                10,
                NOW,
                10,
                c.createArrayOf("text", new Object[] {"wh_a"}),
                c.createArrayOf("integer", new Object[] {1}),
                4,
                10,
                "w",
                NOW,
                NOW);
        assertUses("deliveries_leases", plan);
        assertUses(
            lane == Lane.FIRST_ATTEMPTS ? "deliveries_due_first" : "deliveries_due_retry", plan);
      }
    }
  }

  @Test
  void groupedOutcomesFindTheirRowsByPrimaryKeyNeverByTheLeaseIndex() throws SQLException {
    Sql sql = new Sql(SCHEMA);
    try (Connection c = DS.getConnection()) {
      // By id (the primary key). Never among the in-flight rows of deliveries_leases: that partial
      // index keeps an entry for every row version in flight since the last vacuum, so in a long
      // burst it holds tens of thousands of dead entries while its statistics say a few dozen,
      // and a scan of it grows with the burst (a third of PostgreSQL's CPU, measured).
      String plan =
          plan(
              sql.finishMany,
              c.createArrayOf("text", new Object[] {"d1", "d2"}),
              c.createArrayOf("bigint", new Object[] {1L, 2L}),
              c.createArrayOf("text", new Object[] {"SUCCEEDED", "FAILED"}),
              c.createArrayOf("text", new Object[] {"[]", "[]"}),
              c.createArrayOf("text", new Object[] {null, null}),
              c.createArrayOf("text", new Object[] {NOW.toString(), NOW.toString()}));
      assertUses("deliveries_pkey", plan);
      assertFalse(plan.contains("deliveries_leases"), "the lease index in\n" + plan);
    }
  }

  @Test
  void groupedOutcomesAreNeverServerPreparedWithACachedGenericPlan() throws Exception {
    // pgjdbc prepares a statement on the server after 5 executions; PostgreSQL then keeps the
    // generic plan it made at that moment, and on a table that was still small that plan scans
    // the whole table for as long as the connection lives. The store asks for a plan per
    // execution instead: after many outcomes on one connection, the session holds no prepared
    // outcome statement.
    String schema = "plans_fresh";
    try (SimpleConnectionPool one = SimpleConnectionPool.of(EmbeddedDb.dataSource(), 1)) {
      EmbeddedDb.dropSchema(one, schema);
      try {
        PostgresStore store = EmbeddedDb.store(one, schema);
        Instant now = Fixtures.T0;
        store.insertWebhook(Fixtures.webhook("wh_a", now));
        for (int i = 0; i < 12; i++) {
          store.enqueue(List.of(Fixtures.pending("dlv_" + i, "wh_a", "evt_" + i, now)));
          List<ClaimedDelivery> claimed =
              store.claim(ClaimRequest.of("w", now, Duration.ofSeconds(30), 1));
          assertEquals(1, claimed.size());
          assertTrue(store.complete(claimed.get(0).lease(), Fixtures.ok(1, now), now));
        }
        try (Connection c = one.getConnection();
            Statement s = c.createStatement();
            ResultSet rs =
                s.executeQuery(
                    "SELECT count(*) FILTER (WHERE statement LIKE '%deliveries d SET state = v.state%'),"
                        + " count(*) FILTER (WHERE statement LIKE '%INSERT INTO%deliveries%')"
                        + " FROM pg_prepared_statements")) {
          assertTrue(rs.next());
          assertEquals(0, rs.getInt(1), "a server-prepared outcome statement");
          // The control: the enqueue, executed as often on the same session, is server-prepared,
          // so the count above would see an outcome statement prepared the same way.
          assertEquals(1, rs.getInt(2), "the server-prepared enqueue statement");
        }
      } finally {
        EmbeddedDb.dropSchema(one, schema);
      }
    }
  }

  @Test
  void aWebhooksDeliveriesOfAnyStatesAreListedFromItsOneIndexWithoutASort() throws SQLException {
    // Migration 7 left one per-webhook index, (webhook_id, state, created_at, id): a listing reads
    // it once per state asked for, each branch newest first and stopped at the limit, merged. Ids
    // are ordered byte-wise, not in the index's collation: each branch sorts the rows of one
    // instant (an Incremental Sort presorted by created_at), never its whole input.
    List<DeliveryQuery> queries =
        List.of(
            DeliveryQuery.builder().webhook("wh_a").limit(50).build(),
            DeliveryQuery.builder().webhook("wh_a").states(DeliveryState.SUCCEEDED).build(),
            DeliveryQuery.builder()
                .webhook("wh_a")
                .states(DeliveryState.RETRYING, DeliveryState.SUCCEEDED)
                .createdBefore(NOW.toInstant())
                .createdFrom(NOW.minusDays(1).toInstant())
                .build());
    for (DeliveryQuery query : queries) {
      List<Object> params = new ArrayList<>();
      String sql = PostgresStore.findDeliveriesSql("\"" + SCHEMA + "\"", query, params);
      String plan = plan(sql, params.toArray());
      int branches =
          query.states().isEmpty() ? DeliveryState.values().length : query.states().size();
      assertUses("deliveries_webhook_state", plan);
      if (branches > 1) {
        assertUses("Merge Append", plan);
      }
      assertNoFullSort(plan);
      assertFalse(plan.contains("Seq Scan"), "a sequential scan in\n" + plan);
      // (On this empty table the planner may read FAILED from deliveries_failed, filtered by
      // webhook: an index scan newest first too.)
      assertEquals(
          branches,
          plan.split("Index Scan using deliveries_", -1).length - 1,
          "one index scan per state in\n" + plan);
    }
  }

  @Test
  void aPageAfterAPositionStartsEachIndexReadAtThePositionsInstant() throws SQLException {
    // The admin API's next pages (DeliveryKeyset): the listings' statements with a position
    // (created_at, id). Each index scan starts at the position's instant (created_at <= t in its
    // Index Cond, not a filter over every newer entry); the ids of that one instant are compared
    // byte-wise in a filter, and sorted by the same Incremental Sort as the first page's. (On this
    // empty table the planner may read a webhook's FAILED rows from deliveries_failed, filtered by
    // webhook: an index scan from t down too.)
    Instant t = NOW.toInstant();
    List<DeliveryQuery> queries =
        List.of(
            DeliveryQuery.builder().webhook("wh_a").limit(51).build(),
            DeliveryQuery.builder()
                .webhook("wh_a")
                .states(DeliveryState.SUCCEEDED)
                .limit(51)
                .build(),
            DeliveryQuery.builder()
                .webhook("wh_a")
                .states(DeliveryState.PENDING, DeliveryState.FAILED)
                .createdFrom(t.minusSeconds(86_400))
                .createdBefore(t.plusSeconds(60))
                .limit(201)
                .build(),
            DeliveryQuery.builder().tenant("acme").limit(100).build(),
            DeliveryQuery.builder().states(DeliveryState.FAILED).limit(100).build());
    for (DeliveryQuery query : queries) {
      List<Object> params = new ArrayList<>();
      String sql = PostgresStore.findDeliveriesSql("\"" + SCHEMA + "\"", query, t, "dlv_x", params);
      String plan = plan(sql, params.toArray());
      String index =
          query.webhookId().isPresent()
              ? "deliveries_webhook_state"
              : query.tenant().isPresent() ? "deliveries_tenant_created" : "deliveries_failed";
      assertUses(index, plan);
      assertNoFullSort(plan);
      assertFalse(plan.contains("Seq Scan"), "a sequential scan in\n" + plan);
      // The index conditions of the scans of deliveries (the events are joined by primary key).
      List<String> conds = new ArrayList<>();
      boolean ofDeliveries = false;
      for (String line : plan.lines().toList()) {
        if (line.contains("Scan ")) {
          ofDeliveries = line.contains(" on deliveries ");
        } else if (ofDeliveries && line.contains("Index Cond:")) {
          conds.add(line.trim());
        }
      }
      assertFalse(conds.isEmpty(), "no index condition in\n" + plan);
      for (String cond : conds) {
        assertTrue(
            cond.contains("created_at <= "), "the read starts newest, not at t, in\n" + plan);
      }
      if (query.webhookId().isPresent()) {
        int branches =
            query.states().isEmpty() ? DeliveryState.values().length : query.states().size();
        assertEquals(
            branches,
            plan.split("Index Scan using deliveries_", -1).length - 1,
            "one index scan per state in\n" + plan);
      }
    }
  }

  @Test
  void listingsCountsAndPurgeHaveIndexes() throws SQLException {
    String d = "\"" + SCHEMA + "\".deliveries";
    assertUses(
        "deliveries_webhook_state",
        plan("SELECT state, count(*) FROM " + d + " WHERE webhook_id = ? GROUP BY state", "wh_a"));
    String failed =
        plan(
            "SELECT id FROM "
                + d
                + " WHERE state = 'FAILED' ORDER BY created_at DESC, id COLLATE \"C\" DESC"
                + " LIMIT 100");
    assertUses("deliveries_failed", failed);
    assertNoFullSort(failed);
    assertUses(
        "deliveries_finished",
        plan(
            "SELECT id FROM "
                + d
                + " WHERE state IN ('SUCCEEDED', 'FAILED') AND updated_at < ?"
                + " ORDER BY updated_at LIMIT 1000",
            NOW));
    String tenant =
        plan(
            "SELECT id FROM "
                + d
                + " WHERE tenant = ? ORDER BY created_at DESC, id COLLATE \"C\" DESC LIMIT 100",
            "acme");
    assertUses("deliveries_tenant_created", tenant);
    assertNoFullSort(tenant);
    // The store's own statements: a tenant's deliveries, and failed ones of every webhook.
    for (DeliveryQuery query :
        List.of(
            DeliveryQuery.builder().tenant("acme").limit(100).build(),
            DeliveryQuery.builder().states(DeliveryState.FAILED).limit(100).build())) {
      List<Object> params = new ArrayList<>();
      String sql = PostgresStore.findDeliveriesSql("\"" + SCHEMA + "\"", query, params);
      String plan = plan(sql, params.toArray());
      assertUses(
          query.tenant().isPresent() ? "deliveries_tenant_created" : "deliveries_failed", plan);
      assertNoFullSort(plan);
      assertFalse(plan.contains("Seq Scan"), "a sequential scan in\n" + plan);
    }
    String tenantWebhooks =
        plan(
            "SELECT * FROM \""
                + SCHEMA
                + "\".webhooks WHERE tenant = ? ORDER BY created_at, id COLLATE \"C\"",
            "acme");
    assertUses("webhooks_tenant", tenantWebhooks);
    assertNoFullSort(tenantWebhooks);
    String webhooks =
        plan("SELECT * FROM \"" + SCHEMA + "\".webhooks ORDER BY created_at, id COLLATE \"C\"");
    assertUses("webhooks_created", webhooks);
    assertNoFullSort(webhooks);
  }
}
