package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.ok;
import static dev.hookline.store.jdbc.Fixtures.pending;
import static dev.hookline.store.jdbc.Fixtures.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.DeliveryState;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A role or database whose default isolation is REPEATABLE READ (or a pool setting it): the store's
 * hot statements, claims and outcome writes, run in auto-commit, so they take that default. A
 * statement that waits for a row another transaction then commits fails with a serialization error
 * (40001) there, where READ COMMITTED re-reads the row. The store says so when built, and its hot
 * statements try again with a fresh snapshot, as READ COMMITTED would have.
 */
class RepeatableReadHotPathTest {
  private static final String SCHEMA = "rr_hot_path";
  private static final SimpleConnectionPool PLAIN =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 4);

  /** A pool whose sessions default to REPEATABLE READ, as after ALTER ROLE … SET. */
  private static final SimpleConnectionPool RR =
      SimpleConnectionPool.forUrl(
          "jdbc:postgresql://127.0.0.1:"
              + EmbeddedDb.server().getPort()
              + "/postgres?user=postgres&options=-c%20default_transaction_isolation%3D"
              + "repeatable%5C%20read",
          4);

  @AfterAll
  static void cleanUp() {
    EmbeddedDb.dropSchema(PLAIN, SCHEMA);
    RR.close();
    PLAIN.close();
  }

  @Test
  void buildWarnsThatTheStoreNeedsReadCommitted() {
    String logs = stderrOf(() -> EmbeddedDb.store(RR, SCHEMA));
    assertTrue(logs.contains("WARN"), logs);
    assertTrue(logs.contains("default_transaction_isolation"), logs);
    assertTrue(logs.contains("repeatable read"), logs);
    assertTrue(logs.contains("READ COMMITTED"), logs);

    String plain = stderrOf(() -> EmbeddedDb.store(PLAIN, SCHEMA));
    assertFalse(plain.contains("default_transaction_isolation"), plain);
  }

  @Test
  void anOutcomeWriteThatWaitedForAnotherTransactionIsStillRecorded() throws Exception {
    PostgresStore store = EmbeddedDb.store(RR, SCHEMA);
    EmbeddedDb.truncate(PLAIN, SCHEMA);
    store.insertWebhook(webhook("wh_rr", T0));
    store.enqueue(List.of(pending("dlv_rr", "wh_rr", "evt_rr", T0)));
    List<ClaimedDelivery> claimed =
        store.claim(ClaimRequest.of("w", T0, Duration.ofSeconds(30), 1));
    assertEquals(1, claimed.size());
    CompletableFuture<Boolean> completed;
    try (Connection other = PLAIN.getConnection()) {
      other.setAutoCommit(false);
      // Another transaction holds the row (say, an admin's bulk update touching it)...
      try (Statement s = other.createStatement()) {
        s.executeUpdate(
            "UPDATE \"" + SCHEMA + "\".deliveries SET updated_at = updated_at WHERE id = 'dlv_rr'");
      }
      // ...while the outcome is written, which waits for it...
      completed =
          CompletableFuture.supplyAsync(
              () -> store.complete(claimed.get(0).lease(), ok(1, T0), T0));
      Poll.until(
          Duration.ofSeconds(10),
          RepeatableReadHotPathTest::anUpdateWaitsForALock,
          "the outcome write waits for the other transaction");
      other.commit(); // ...then sees the row changed after its snapshot.
    }
    assertTrue(completed.get(30, TimeUnit.SECONDS), "the outcome was not recorded");
    assertEquals(DeliveryState.SUCCEEDED, store.findDelivery("dlv_rr").orElseThrow().state());
  }

  private static boolean anUpdateWaitsForALock() {
    try (Connection c = PLAIN.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    + " AND query LIKE 'UPDATE%deliveries%unnest%'")) {
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1) > 0;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String stderrOf(Runnable r) {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream originalErr = System.err;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      r.run();
    } finally {
      System.setErr(originalErr);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }
}
