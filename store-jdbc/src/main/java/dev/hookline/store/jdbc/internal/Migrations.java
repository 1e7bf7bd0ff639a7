package dev.hookline.store.jdbc.internal;

import dev.hookline.store.jdbc.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's versioned schema migrations, applied in one transaction under a PostgreSQL advisory
 * lock so that several instances starting together are safe: the first applies what is missing, the
 * others wait for it and then find nothing to do.
 *
 * <p>Migrations are append-only: a released migration is never edited; a change is a new version.
 * Thread-safe (stateless).
 */
public final class Migrations {
  private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

  /** The advisory lock's first key: "Hkln". The second is the schema name's hash. */
  private static final int LOCK_CLASS = 0x486B6C6E;

  /** One schema version: its number, a description and its statements ({s} is the schema). */
  record Migration(int version, String description, List<String> statements) {}

  private static final List<Migration> ALL =
      List.of(
          new Migration(
              1,
              "webhooks, events, deliveries, fencing-token sequence and indexes",
              List.of(
                  // Fencing tokens: one global sequence. CACHE 1 (the default) keeps tokens
                  // increasing across sessions, which "a re-claim issues a larger token" needs.
                  "CREATE SEQUENCE {s}.lease_tokens AS bigint CACHE 1",
                  """
                  CREATE TABLE {s}.webhooks (
                    id text PRIMARY KEY,
                    name text NOT NULL,
                    description text NOT NULL,
                    uri text NOT NULL,
                    api_key_enc text NOT NULL,
                    events text[] NOT NULL,
                    event_types jsonb NOT NULL,
                    filter text,
                    status text NOT NULL
                      CHECK (status IN ('PENDING_VERIFICATION', 'VERIFIED', 'DISABLED_BY_FAILURE')),
                    enabled boolean NOT NULL,
                    status_reason text,
                    signing_secrets jsonb NOT NULL,
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL,
                    version bigint NOT NULL
                  )""",
                  "CREATE INDEX webhooks_created ON {s}.webhooks (created_at, id)",
                  """
                  CREATE TABLE {s}.events (
                    id text PRIMARY KEY,
                    type text NOT NULL,
                    type_display_name text NOT NULL,
                    type_subscribable boolean NOT NULL,
                    occurred_at timestamptz NOT NULL,
                    subject_user_id text NOT NULL,
                    subject_app_id text,
                    subject_tenant text,
                    data json NOT NULL,
                    changed_attributes text[] NOT NULL,
                    created_at timestamptz NOT NULL
                  )""",
                  "CREATE INDEX events_created ON {s}.events (created_at)",
                  """
                  CREATE TABLE {s}.deliveries (
                    id text PRIMARY KEY,
                    event_id text NOT NULL
                      REFERENCES {s}.events (id) DEFERRABLE INITIALLY DEFERRED,
                    webhook_id text NOT NULL REFERENCES {s}.webhooks (id) ON DELETE CASCADE,
                    state text NOT NULL
                      CHECK (state IN ('PENDING', 'IN_FLIGHT', 'SUCCEEDED', 'RETRYING', 'FAILED')),
                    attempt_count integer NOT NULL,
                    attempts jsonb NOT NULL,
                    next_attempt_at timestamptz,
                    lease_owner text,
                    lease_token bigint,
                    lease_expires_at timestamptz,
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL,
                    CONSTRAINT deliveries_event_webhook UNIQUE (event_id, webhook_id),
                    CONSTRAINT deliveries_queued_due
                      CHECK (state NOT IN ('PENDING', 'RETRYING') OR next_attempt_at IS NOT NULL),
                    CONSTRAINT deliveries_in_flight_leased
                      CHECK (state <> 'IN_FLIGHT'
                        OR (lease_owner IS NOT NULL AND lease_token IS NOT NULL
                            AND lease_expires_at IS NOT NULL))
                  )""",
                  // The due scan, one partial index per lane, so a retry backlog never slows
                  // the first-attempt lane's scan (and the reverse).
                  """
                  CREATE INDEX deliveries_due_first ON {s}.deliveries (next_attempt_at)
                    WHERE state IN ('PENDING', 'RETRYING') AND attempt_count = 0""",
                  """
                  CREATE INDEX deliveries_due_retry ON {s}.deliveries (next_attempt_at)
                    WHERE state IN ('PENDING', 'RETRYING') AND attempt_count > 0""",
                  """
                  CREATE INDEX deliveries_leases ON {s}.deliveries (lease_expires_at)
                    WHERE state = 'IN_FLIGHT'""",
                  // A webhook's deliveries newest first, optionally by state; its state counts.
                  """
                  CREATE INDEX deliveries_webhook_created
                    ON {s}.deliveries (webhook_id, created_at DESC, id DESC)""",
                  """
                  CREATE INDEX deliveries_webhook_state
                    ON {s}.deliveries (webhook_id, state, created_at DESC, id DESC)""",
                  // Failed deliveries across webhooks, newest first (redelivery screens).
                  """
                  CREATE INDEX deliveries_failed ON {s}.deliveries (created_at DESC, id DESC)
                    WHERE state = 'FAILED'""",
                  // Retention purge: finished deliveries by age.
                  """
                  CREATE INDEX deliveries_finished ON {s}.deliveries (updated_at)
                    WHERE state IN ('SUCCEEDED', 'FAILED')""",
                  // The outbox churns: vacuum it sooner than the default 20 % of dead rows.
                  """
                  ALTER TABLE {s}.deliveries SET (
                    autovacuum_vacuum_scale_factor = 0.02,
                    autovacuum_analyze_scale_factor = 0.02)""")),
          new Migration(
              2,
              "endpoint failure clock, shared by instances",
              List.of(
                  // One row per webhook whose endpoint is failing; deleted on success.
                  """
                  CREATE TABLE {s}.endpoint_health (
                    webhook_id text PRIMARY KEY REFERENCES {s}.webhooks (id) ON DELETE CASCADE,
                    failing_since timestamptz NOT NULL
                  )""")),
          new Migration(
              3,
              "tenants: the owning tenant of webhooks and of their deliveries",
              List.of(
                  // Nullable, no default: existing rows are the host's own, and PostgreSQL adds
                  // the column without rewriting the table.
                  "ALTER TABLE {s}.webhooks ADD COLUMN tenant text",
                  """
                  CREATE INDEX webhooks_tenant ON {s}.webhooks (tenant, created_at, id)
                    WHERE tenant IS NOT NULL""",
                  // Copied from the webhook on enqueue (a webhook's tenant never changes), so a
                  // tenant's deliveries are listed newest first from one index, without a join.
                  "ALTER TABLE {s}.deliveries ADD COLUMN tenant text",
                  """
                  CREATE INDEX deliveries_tenant_created
                    ON {s}.deliveries (tenant, created_at DESC, id DESC) WHERE tenant IS NOT NULL""")),
          new Migration(
              4,
              "webhook formats: the wire format of each webhook and its token audience",
              List.of(
                  // Existing webhooks keep the format they were sent in.
                  """
                  ALTER TABLE {s}.webhooks ADD COLUMN format text NOT NULL
                    DEFAULT 'STANDARD_WEBHOOKS'
                    CHECK (format IN ('STANDARD_WEBHOOKS', 'SECURITY_EVENT_TOKEN'))""",
                  "ALTER TABLE {s}.webhooks ADD COLUMN audience text")),
          new Migration(
              5,
              "observability: the context captured where a delivery's event was published",
              List.of(
                  // Nullable, no default: deliveries enqueued before have none, and PostgreSQL
                  // adds the column without rewriting the table.
                  "ALTER TABLE {s}.deliveries ADD COLUMN publish_context text")),
          new Migration(
              6,
              "admin: API tokens (their hashes, never the tokens) and the audit log",
              List.of(
                  // Read and written by hookline-admin's PostgresAdminStore; created here so that
                  // the schema has one version sequence.
                  """
                  CREATE TABLE {s}.admin_tokens (
                    id text PRIMARY KEY,
                    name text NOT NULL,
                    tenant text,
                    scopes text[] NOT NULL,
                    token_hash text NOT NULL UNIQUE,
                    created_at timestamptz NOT NULL,
                    expires_at timestamptz,
                    revoked_at timestamptz
                  )""",
                  """
                  CREATE INDEX admin_tokens_tenant ON {s}.admin_tokens (tenant, id)
                    WHERE tenant IS NOT NULL""",
                  """
                  CREATE TABLE {s}.admin_audit (
                    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    at timestamptz NOT NULL,
                    token_id text,
                    principal text NOT NULL,
                    tenant text,
                    action text NOT NULL,
                    target text NOT NULL,
                    changed_fields text[] NOT NULL
                  )""",
                  """
                  CREATE INDEX admin_audit_tenant ON {s}.admin_audit (tenant, seq DESC)
                    WHERE tenant IS NOT NULL""")),
          new Migration(
              7,
              "cheaper writes: one per-webhook index of deliveries, no foreign key to webhooks",
              List.of(
                  // Every claim and outcome rewrites the delivery row with an entry in every
                  // index, so each index costs about 11 us of database CPU per delivery
                  // (store-jdbc/README.md). A webhook's listing of any states reads
                  // deliveries_webhook_state, one branch per state, merged.
                  "DROP INDEX {s}.deliveries_webhook_created",
                  // The enqueue locks the webhook row (FOR KEY SHARE) and drops deliveries of a
                  // webhook that is gone; deleting a webhook deletes its deliveries in the same
                  // transaction, after its row (PostgresStore.deleteWebhook). The foreign key's
                  // check of every enqueued delivery only repeated that.
                  "ALTER TABLE {s}.deliveries DROP CONSTRAINT deliveries_webhook_id_fkey")));

  private Migrations() {}

  /**
   * Returns the schema version this library writes.
   *
   * @return the latest migration's version
   */
  public static int latestVersion() {
    return ALL.get(ALL.size() - 1).version();
  }

  /**
   * Brings the schema up to date, or, with {@code apply} false, checks that it is.
   *
   * @param dataSource where to connect
   * @param schema the validated schema name
   * @param apply whether to create and upgrade (false: verify only)
   * @throws StoreException if the database is unreachable, the schema is newer than this library,
   *     or (verify only) older
   */
  public static void migrate(DataSource dataSource, String schema, boolean apply) {
    String op = apply ? "migrate the schema" : "check the schema version";
    try (Connection c = dataSource.getConnection()) {
      boolean autoCommit = c.getAutoCommit();
      if (autoCommit) {
        c.setAutoCommit(false);
      } else {
        c.rollback(); // a fresh transaction, whatever the pool's validation query began
      }
      try {
        int version = apply ? applyPending(c, schema) : currentVersion(c, schema);
        warnUnlessReadCommitted(c); // after: applyPending sets the transaction's isolation first
        c.commit();
        if (!apply && version < latestVersion()) {
          throw new StoreException(
              StoreException.Reason.SCHEMA,
              op,
              "Schema '"
                  + schema
                  + "' is at version "
                  + version
                  + " but this Hookline needs version "
                  + latestVersion()
                  + "; build the store once with migrations enabled (the default) to upgrade it",
              null,
              null);
        }
      } catch (SQLException | RuntimeException | Error e) {
        // On a broken connection the rollback and the restore fail too; the first failure is the
        // one to report (a restore in a finally block replaced it with "connection closed").
        SqlErrors.rollbackQuietly(c, e);
        try {
          c.setAutoCommit(autoCommit);
        } catch (SQLException restoreFailure) {
          e.addSuppressed(restoreFailure);
        }
        throw e;
      }
      c.setAutoCommit(autoCommit);
    } catch (SQLException e) {
      throw SqlErrors.wrap(op, e);
    }
  }

  /**
   * Warns when the session's default isolation (the role's or database's {@code
   * default_transaction_isolation}, or a pool's {@code transactionIsolation}) is not READ
   * COMMITTED: the store's claims and outcome writes run in auto-commit and so take it, and under
   * REPEATABLE READ or SERIALIZABLE they fail with serialization errors (40001) when deliveries are
   * contended. The store tries those statements again, a few times; it cannot make them immune.
   */
  private static void warnUnlessReadCommitted(Connection c) throws SQLException {
    String isolation;
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT current_setting('default_transaction_isolation')")) {
      isolation = rs.next() ? rs.getString(1) : null;
    }
    // PostgreSQL runs READ UNCOMMITTED as READ COMMITTED.
    if (isolation != null
        && !isolation.equals("read committed")
        && !isolation.equals("read uncommitted")) {
      LOG.warn(
          "The Hookline store's connections default to isolation '{}'"
              + " (default_transaction_isolation); the store needs READ COMMITTED: its claims and"
              + " outcome writes run in auto-commit and fail with serialization errors (SQLState"
              + " 40001) when deliveries are contended. Set default_transaction_isolation ="
              + " 'read committed' for the store's role or database (ALTER ROLE ... SET), or"
              + " leave the pool's transaction isolation at its default",
          isolation);
    }
  }

  private static int applyPending(Connection c, String schema) throws SQLException {
    // READ COMMITTED whatever the session's default: under REPEATABLE READ the snapshot would be
    // taken as the lock is requested, so an instance that waited for another's migration would
    // not see it, and would fail creating what the other had just created.
    try (Statement s = c.createStatement()) {
      s.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
    }
    try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?, ?)")) {
      lock.setInt(1, LOCK_CLASS);
      lock.setInt(2, schema.hashCode());
      lock.execute();
    }
    String q = quote(schema);
    // Only what is missing is created: CREATE ... IF NOT EXISTS checks the right to create before
    // it finds the object, so a runtime role that may use an up-to-date schema but not create in
    // it would fail here with the default migrateSchema(true).
    try (Statement s = c.createStatement()) {
      if (!schemaExists(c, schema)) {
        s.execute("CREATE SCHEMA " + q);
      }
      if (!versionTableExists(c, schema)) {
        s.execute(
            "CREATE TABLE IF NOT EXISTS "
                + q
                + ".schema_version (version integer PRIMARY KEY, description text NOT NULL,"
                + " applied_at timestamptz NOT NULL DEFAULT now())");
      }
    }
    int current = currentVersion(c, schema);
    for (Migration m : ALL) {
      if (m.version() <= current) {
        continue;
      }
      try (Statement s = c.createStatement()) {
        for (String sql : m.statements()) {
          s.execute(sql.replace("{s}", q));
        }
      }
      try (PreparedStatement record =
          c.prepareStatement(
              "INSERT INTO " + q + ".schema_version (version, description) VALUES (?, ?)")) {
        record.setInt(1, m.version());
        record.setString(2, m.description());
        record.executeUpdate();
      }
      LOG.info("Applied Hookline schema migration {} to schema {}", m.version(), schema);
      current = m.version();
    }
    return current;
  }

  private static boolean schemaExists(Connection c, String schema) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = ?")) {
      ps.setString(1, schema);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  private static boolean versionTableExists(Connection c, String schema) throws SQLException {
    try (PreparedStatement exists =
        c.prepareStatement(
            "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = ? AND tablename ="
                + " 'schema_version'")) {
      exists.setString(1, schema);
      try (ResultSet rs = exists.executeQuery()) {
        return rs.next();
      }
    }
  }

  private static int currentVersion(Connection c, String schema) throws SQLException {
    int version = 0;
    if (!versionTableExists(c, schema)) {
      return 0;
    }
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT coalesce(max(version), 0) FROM " + quote(schema) + ".schema_version")) {
      if (rs.next()) {
        version = rs.getInt(1);
      }
    }
    if (version > latestVersion()) {
      throw new StoreException(
          StoreException.Reason.SCHEMA,
          "check the schema version",
          "Schema '"
              + schema
              + "' is at version "
              + version
              + ", newer than this Hookline understands ("
              + latestVersion()
              + "); upgrade Hookline on every instance before using this database",
          null,
          null);
    }
    return version;
  }

  /**
   * Quotes a validated schema name as an SQL identifier.
   *
   * @param schema a name matching {@code [a-z_][a-z0-9_]*}
   * @return the quoted identifier
   */
  public static String quote(String schema) {
    return "\"" + schema + "\"";
  }
}
