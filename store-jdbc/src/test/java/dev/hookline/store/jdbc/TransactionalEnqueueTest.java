package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.ok;
import static dev.hookline.store.jdbc.Fixtures.pending;
import static dev.hookline.store.jdbc.Fixtures.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Delivery;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The transactional outbox: deliveries enqueued through the caller's connection go out if, and only
 * if, the caller's transaction commits, together with the caller's own change.
 */
class TransactionalEnqueueTest {
  private static final String SCHEMA = "tx_outbox";
  private static final SimpleConnectionPool DS =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 4);
  private static final Duration LEASE = Duration.ofSeconds(30);
  private PostgresStore store = EmbeddedDb.store(DS, SCHEMA);

  @BeforeAll
  static void createAppTable() {
    EmbeddedDb.execute(DS, "DROP TABLE IF EXISTS public.app_users");
    EmbeddedDb.execute(DS, "CREATE TABLE public.app_users (id text PRIMARY KEY, email text)");
  }

  @AfterAll
  static void cleanUp() {
    EmbeddedDb.execute(DS, "DROP TABLE IF EXISTS public.app_users");
    EmbeddedDb.dropSchema(DS, SCHEMA);
    DS.close();
  }

  @BeforeEach
  void freshStore() {
    EmbeddedDb.truncate(DS, SCHEMA);
    EmbeddedDb.execute(DS, "TRUNCATE public.app_users");
    store = EmbeddedDb.store(DS, SCHEMA);
    store.insertWebhook(webhook("wh_a", T0));
  }

  private static void createUser(Connection c, String id) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("INSERT INTO public.app_users (id, email) VALUES (?, ?)")) {
      ps.setString(1, id);
      ps.setString(2, id + "@example.com");
      ps.executeUpdate();
    }
  }

  private static int users() throws SQLException {
    try (Connection c = DS.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM public.app_users")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private List<ClaimedDelivery> claim() {
    return store.claim(ClaimRequest.of("worker", T0, LEASE, 100));
  }

  @Test
  void rollbackSendsNothing() throws SQLException {
    try (Connection c = DS.getConnection()) {
      c.setAutoCommit(false);
      createUser(c, "u1");
      List<Delivery> added = store.enqueue(c, List.of(pending("dlv_1", "wh_a", "evt_1", T0)));
      assertEquals(1, added.size());
      assertTrue(claim().isEmpty(), "uncommitted deliveries are invisible to workers");
      c.rollback();
    }
    assertTrue(claim().isEmpty());
    assertTrue(store.findDelivery("dlv_1").isEmpty());
    assertEquals(0, users());
  }

  @Test
  void commitSendsExactlyOnceTogetherWithTheCallersChange() throws SQLException {
    try (Connection c = DS.getConnection()) {
      c.setAutoCommit(false);
      createUser(c, "u1");
      store.enqueue(c, List.of(pending("dlv_1", "wh_a", "evt_1", T0)));
      assertFalse(c.isClosed(), "the store leaves the caller's connection open");
      assertFalse(c.getAutoCommit(), "and its transaction open");
      createUser(c, "u2");
      c.commit();
    }
    assertEquals(2, users());
    List<ClaimedDelivery> claimed = claim();
    assertEquals(1, claimed.size());
    assertEquals("evt_1", claimed.get(0).delivery().event().id());
    assertTrue(claim().isEmpty(), "claimed once");
    assertTrue(store.complete(claimed.get(0).lease(), ok(1, T0), T0));
    assertTrue(claim().isEmpty());
  }

  @Test
  void aFailingCallerStatementAfterEnqueueRollsTheDeliveriesBackToo() throws SQLException {
    try (Connection c = DS.getConnection()) {
      c.setAutoCommit(false);
      createUser(c, "u1");
      store.enqueue(c, List.of(pending("dlv_1", "wh_a", "evt_1", T0)));
      assertThrows(SQLException.class, () -> createUser(c, "u1"), "duplicate user id");
      c.rollback();
    }
    assertTrue(claim().isEmpty());
    assertEquals(0, users());
  }

  @Test
  void autoCommitConnectionEnqueuesAtOnceAndAtomically() throws SQLException {
    try (Connection c = DS.getConnection()) {
      assertTrue(c.getAutoCommit());
      List<Delivery> added =
          store.enqueue(
              c,
              List.of(
                  pending("dlv_1", "wh_a", "evt_1", T0),
                  pending("dlv_2", "wh_a", "evt_2", T0),
                  pending("dlv_3", "wh_gone", "evt_3", T0)));
      assertEquals(List.of("dlv_1", "dlv_2"), added.stream().map(Delivery::id).toList());
    }
    assertEquals(2, claim().size());
  }

  @Test
  void repeatedPublishInOneTransactionIsStoredOnce() throws SQLException {
    try (Connection c = DS.getConnection()) {
      c.setAutoCommit(false);
      assertEquals(1, store.enqueue(c, List.of(pending("dlv_1", "wh_a", "evt_1", T0))).size());
      assertTrue(store.enqueue(c, List.of(pending("dlv_2", "wh_a", "evt_1", T0))).isEmpty());
      c.commit();
    }
    assertEquals(1, claim().size());
  }

  @Test
  void aWebhookDeletedBeforeTheCallerEnqueuesIsSkippedWithoutBreakingTheTransaction()
      throws SQLException {
    store.insertWebhook(webhook("wh_b", T0));
    try (Connection c = DS.getConnection()) {
      c.setAutoCommit(false);
      createUser(c, "u1");
      assertTrue(store.deleteWebhook("wh_b"));
      List<Delivery> added =
          store.enqueue(
              c,
              List.of(
                  pending("dlv_1", "wh_a", "evt_1", T0), pending("dlv_2", "wh_b", "evt_1", T0)));
      assertEquals(List.of("dlv_1"), added.stream().map(Delivery::id).toList());
      c.commit();
    }
    assertEquals(1, users());
    assertEquals(1, claim().size());
  }

  @Test
  void aWebhookDeletedWhileTheCallersTransactionIsOpenWaitsForItThenTakesItsDeliveries()
      throws Exception {
    store.insertWebhook(webhook("wh_b", T0));
    Thread deleter;
    AtomicBoolean deleted = new AtomicBoolean();
    try (Connection c = DS.getConnection()) {
      c.setAutoCommit(false);
      assertEquals(1, store.enqueue(c, List.of(pending("dlv_1", "wh_b", "evt_1", T0))).size());
      deleter = new Thread(() -> deleted.set(store.deleteWebhook("wh_b")), "deleter");
      deleter.start();
      Poll.until(
          Duration.ofSeconds(10),
          TransactionalEnqueueTest::aSessionWaitsOnALock,
          "the delete waits for the enqueuing transaction instead of breaking it");
      c.commit();
    }
    deleter.join(Duration.ofSeconds(10).toMillis());
    assertFalse(deleter.isAlive());
    assertTrue(deleted.get());
    assertTrue(store.findDelivery("dlv_1").isEmpty(), "the delete cascaded after the commit");
    assertTrue(claim().isEmpty());
  }

  private static boolean aSessionWaitsOnALock() {
    try (Connection c = DS.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    + " AND query LIKE 'DELETE FROM%webhooks%'")) {
      rs.next();
      return rs.getInt(1) > 0;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void anEnqueueThatFailsSaysSoAndLeavesTheCallerToRollBack() throws SQLException {
    try (Connection c = DS.getConnection()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("SELECT 1/0");
      } catch (SQLException expected) {
        // the caller's transaction is now aborted
      }
      StoreException e =
          assertThrows(
              StoreException.class,
              () -> store.enqueue(c, List.of(pending("dlv_1", "wh_a", "evt_1", T0))));
      assertEquals(StoreException.Reason.FAILED, e.reason());
      assertTrue(e.getMessage().contains("in the caller's transaction"), e.getMessage());
      assertTrue(e.getMessage().contains("25P02"), e.getMessage());
      c.rollback();
    }
    assertTrue(claim().isEmpty());
  }
}
