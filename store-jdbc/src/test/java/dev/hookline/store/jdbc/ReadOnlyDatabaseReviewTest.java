package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Review round 6: a database that takes no writes for a while. After a failover, a pool (or a DNS
 * name still cached) reaches the old primary, now a hot standby; a managed PostgreSQL that runs
 * short of storage turns read-only (Azure Database for PostgreSQL sets {@code
 * default_transaction_read_only} at 95 % of its storage) until space is freed. Every write then
 * fails with SQLState 25006 ("cannot execute INSERT in a read-only transaction"). The store
 * reported it as a non-retryable {@code FAILED}, so a caller's loop following {@link
 * StoreException#isRetryable()} dropped the publish, though the same call succeeds once the
 * failover completes or space is freed.
 */
class ReadOnlyDatabaseReviewTest {
  private static final String SCHEMA = "read_only_review";
  private static final DataSource DS = EmbeddedDb.dataSource();

  /** The embedded database's connections, each read-only as a standby's are. */
  private static final DataSource READ_ONLY =
      EmbeddedDb.eachConnectionRuns(DS, "SET default_transaction_read_only = on");

  @BeforeAll
  static void createSchema() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    EmbeddedDb.store(DS, SCHEMA).insertWebhook(Fixtures.webhook("wh_a", T0));
  }

  @AfterAll
  static void dropSchema() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
  }

  @Test
  void aWriteRefusedByAReadOnlyDatabaseIsRetryable() {
    PostgresStore store =
        PostgresStore.builder(READ_ONLY)
            .schema(SCHEMA)
            .secretCipher(EmbeddedDb.cipher())
            .migrateSchema(false)
            .build();
    StoreException e =
        assertThrows(
            StoreException.class,
            () -> store.enqueue(List.of(Fixtures.pending("dlv_1", "wh_a", "evt_1", T0))));
    assertEquals("25006", e.sqlState().orElse(""), e.getMessage());
    assertTrue(
        e.isRetryable(),
        "a database that takes no writes for now (a standby after a failover, storage full) is"
            + " worth retrying, but the store said "
            + e.reason()
            + ": "
            + e.getMessage());

    PostgresStore writable = EmbeddedDb.store(DS, SCHEMA);
    assertEquals(
        1,
        writable.enqueue(List.of(Fixtures.pending("dlv_1", "wh_a", "evt_1", T0))).size(),
        "once writes are taken again, the same call succeeds");
  }
}
