package dev.hookline.admin.store;

import dev.hookline.admin.Scope;
import dev.hookline.admin.spi.AdminStore;
import dev.hookline.admin.spi.AdminStoreException;
import dev.hookline.admin.spi.AuditEntry;
import dev.hookline.admin.spi.StoredToken;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * An {@link AdminStore} in PostgreSQL, in the tables {@code admin_tokens} and {@code admin_audit}
 * of Hookline's schema. Those tables are created by migration 6 of hookline-store-jdbc's {@code
 * PostgresStore}: build that store (which migrates its schema) before this one. Tokens are stored
 * as SHA-256 hashes; the audit log holds field names, never values.
 *
 * <p>Thread-safe: each call borrows a connection from the caller's {@link DataSource}.
 */
public final class PostgresAdminStore implements AdminStore {
  /** The schema version that created this store's tables. */
  public static final int REQUIRED_SCHEMA_VERSION = 6;

  private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private final DataSource dataSource;
  private final String q;

  private PostgresAdminStore(DataSource dataSource, String schema) {
    this.dataSource = dataSource;
    this.q = "\"" + schema + "\"";
  }

  /**
   * Returns a store over Hookline's schema, checking that migration 6 has been applied.
   *
   * @param dataSource the caller's data source (left open by this store)
   * @param schema the schema of the {@code PostgresStore}, {@code hookline} by default
   * @return the store
   * @throws IllegalArgumentException if the schema name is malformed
   * @throws AdminStoreException if the schema lacks migration 6 (build the PostgresStore first) or
   *     cannot be read
   */
  public static PostgresAdminStore create(DataSource dataSource, String schema) {
    Objects.requireNonNull(dataSource, "dataSource");
    Objects.requireNonNull(schema, "schema");
    if (!SCHEMA.matcher(schema).matches()) {
      throw new IllegalArgumentException(
          "schema must be 1 to 63 characters a-z 0-9 _, not starting with a digit");
    }
    PostgresAdminStore store = new PostgresAdminStore(dataSource, schema);
    int version = store.schemaVersion();
    if (version < REQUIRED_SCHEMA_VERSION) {
      throw new AdminStoreException(
          AdminStoreException.Reason.SCHEMA_OUT_OF_DATE,
          "schema "
              + schema
              + " is at version "
              + version
              + "; the admin store needs version "
              + REQUIRED_SCHEMA_VERSION
              + ": build a PostgresStore on it first, which migrates it");
    }
    return store;
  }

  private int schemaVersion() {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s =
            c.prepareStatement("SELECT coalesce(max(version), 0) FROM " + q + ".schema_version");
        ResultSet rs = s.executeQuery()) {
      rs.next();
      return rs.getInt(1);
    } catch (SQLException e) {
      throw new AdminStoreException(
          AdminStoreException.Reason.SCHEMA_OUT_OF_DATE,
          "cannot read the schema version of " + q + ": build a PostgresStore on it first",
          e);
    }
  }

  @Override
  public void insertToken(StoredToken token) {
    Objects.requireNonNull(token, "token");
    try (Connection c = dataSource.getConnection()) {
      insert(c, token);
    } catch (SQLException e) {
      throw insertFailure(token, e);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>One transaction takes an advisory lock on the tenant's tokens (or the host's), counts its
   * live ones, inserts, and deletes its dead tokens past the newest 100, so creations in any number
   * of processes never pass the limit. For a host-level token that deletion scans the table (the
   * tenant index leaves host rows out), which is bounded per tenant; host tokens are made rarely.
   */
  @Override
  public boolean insertToken(StoredToken token, int maxLivePerTenant) {
    Objects.requireNonNull(token, "token");
    if (maxLivePerTenant < 1) {
      throw new IllegalArgumentException(
          "maxLivePerTenant must be at least 1, was " + maxLivePerTenant);
    }
    Optional<String> tenant = token.tenant();
    try (Connection c = dataSource.getConnection()) {
      boolean autoCommit = c.getAutoCommit();
      c.setAutoCommit(false);
      try {
        try (PreparedStatement lock =
            c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(? || ?))")) {
          // the host's key differs from every tenant's, which have ": " after the schema
          lock.setString(
              1, "hookline admin tokens of " + q + (tenant.isPresent() ? ": " : " host"));
          lock.setString(2, tenant.orElse(""));
          lock.execute();
        }
        if (tenant.isPresent()) {
          try (PreparedStatement count =
              c.prepareStatement(
                  "SELECT count(*) FROM "
                      + q
                      + ".admin_tokens WHERE tenant = ? AND revoked_at IS NULL"
                      + " AND (expires_at IS NULL OR expires_at > ?)")) {
            count.setString(1, tenant.get());
            count.setTimestamp(2, Timestamp.from(token.createdAt()));
            try (ResultSet rs = count.executeQuery()) {
              rs.next();
              if (rs.getLong(1) >= maxLivePerTenant) {
                c.rollback();
                return false;
              }
            }
          }
        }
        insert(c, token);
        deleteDeadPastKept(c, token);
        c.commit();
        return true;
      } catch (SQLException | RuntimeException e) {
        try {
          c.rollback();
        } catch (SQLException r) {
          e.addSuppressed(r);
        }
        throw e;
      } finally {
        try {
          c.setAutoCommit(autoCommit);
        } catch (SQLException ignored) {
          // the connection is broken; the pool discards it
        }
      }
    } catch (SQLException e) {
      throw insertFailure(token, e);
    }
  }

  /**
   * Deletes the dead tokens (revoked, or expired at the new token's creation) of the new token's
   * tenant, or of the host, past the newest {@link DeadTokens#KEPT} by when they died (ties by id),
   * leaving the new token itself. Dead is the negation of the live count's condition.
   */
  private void deleteDeadPastKept(Connection c, StoredToken token) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "DELETE FROM "
                + q
                + ".admin_tokens WHERE id IN (SELECT id FROM "
                + q
                + ".admin_tokens WHERE "
                + (token.tenant().isPresent() ? "tenant = ?" : "tenant IS NULL")
                + " AND id <> ? AND (revoked_at IS NOT NULL OR expires_at <= ?)"
                + " ORDER BY least(revoked_at, expires_at) DESC, id COLLATE \"C\" DESC"
                + " OFFSET ?)")) {
      int i = 1;
      if (token.tenant().isPresent()) {
        s.setString(i++, token.tenant().get());
      }
      s.setString(i++, token.id());
      s.setTimestamp(i++, Timestamp.from(token.createdAt()));
      s.setInt(i, DeadTokens.KEPT);
      s.executeUpdate();
    }
  }

  private void insert(Connection c, StoredToken token) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO "
                + q
                + ".admin_tokens (id, name, tenant, scopes, token_hash, created_at,"
                + " expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
      s.setString(1, token.id());
      s.setString(2, token.name());
      s.setString(3, token.tenant().orElse(null));
      List<String> scopes = new ArrayList<>();
      token.scopes().forEach(x -> scopes.add(x.wireName()));
      s.setArray(4, c.createArrayOf("text", scopes.toArray()));
      s.setString(5, token.hash());
      s.setTimestamp(6, Timestamp.from(token.createdAt()));
      setInstant(s, 7, token.expiresAt());
      setInstant(s, 8, token.revokedAt());
      s.executeUpdate();
    }
  }

  private static AdminStoreException insertFailure(StoredToken token, SQLException e) {
    if ("23505".equals(e.getSQLState())) {
      return new AdminStoreException(
          AdminStoreException.Reason.DUPLICATE,
          "a token with id " + token.id() + " or its hash exists",
          e);
    }
    return failure("insert a token", e);
  }

  @Override
  public Optional<StoredToken> findTokenByHash(String hash) {
    return tokens("WHERE token_hash = ?", Objects.requireNonNull(hash, "hash")).stream()
        .findFirst();
  }

  @Override
  public Optional<StoredToken> findToken(String id) {
    return tokens("WHERE id = ?", Objects.requireNonNull(id, "id")).stream().findFirst();
  }

  @Override
  public List<StoredToken> listTokens(
      Optional<String> tenant, Optional<String> afterId, int limit) {
    String sql =
        "SELECT * FROM "
            + q
            + ".admin_tokens WHERE (?::text IS NULL OR tenant = ?) AND (?::text IS NULL OR id > ?)"
            + " ORDER BY id LIMIT ?";
    try (Connection c = dataSource.getConnection();
        PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, tenant.orElse(null));
      s.setString(2, tenant.orElse(null));
      s.setString(3, afterId.orElse(null));
      s.setString(4, afterId.orElse(null));
      s.setInt(5, limit);
      return readTokens(s);
    } catch (SQLException e) {
      throw failure("list tokens", e);
    }
  }

  @Override
  public boolean revokeToken(String id, Instant at) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s =
            c.prepareStatement(
                "UPDATE "
                    + q
                    + ".admin_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")) {
      s.setTimestamp(1, Timestamp.from(at));
      s.setString(2, Objects.requireNonNull(id, "id"));
      return s.executeUpdate() == 1;
    } catch (SQLException e) {
      throw failure("revoke a token", e);
    }
  }

  @Override
  public AuditEntry appendAudit(AuditEntry entry) {
    Objects.requireNonNull(entry, "entry");
    try (Connection c = dataSource.getConnection();
        PreparedStatement s =
            c.prepareStatement(
                "INSERT INTO "
                    + q
                    + ".admin_audit (at, token_id, principal, tenant, action, target,"
                    + " changed_fields) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq")) {
      s.setTimestamp(1, Timestamp.from(entry.at()));
      s.setString(2, entry.tokenId().orElse(null));
      s.setString(3, entry.principal());
      s.setString(4, entry.tenant().orElse(null));
      s.setString(5, entry.action());
      s.setString(6, entry.target());
      s.setArray(7, c.createArrayOf("text", entry.changedFields().toArray()));
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return entry.withSequence(rs.getLong(1));
      }
    } catch (SQLException e) {
      throw failure("append to the audit log", e);
    }
  }

  @Override
  public List<AuditEntry> listAudit(
      Optional<String> tenant, OptionalLong beforeSequence, int limit) {
    String sql =
        "SELECT * FROM "
            + q
            + ".admin_audit WHERE (?::text IS NULL OR tenant = ?) AND (?::bigint IS NULL OR seq < ?)"
            + " ORDER BY seq DESC LIMIT ?";
    try (Connection c = dataSource.getConnection();
        PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, tenant.orElse(null));
      s.setString(2, tenant.orElse(null));
      if (beforeSequence.isPresent()) {
        s.setLong(3, beforeSequence.getAsLong());
        s.setLong(4, beforeSequence.getAsLong());
      } else {
        s.setNull(3, Types.BIGINT);
        s.setNull(4, Types.BIGINT);
      }
      s.setInt(5, limit);
      List<AuditEntry> out = new ArrayList<>();
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(
              new AuditEntry(
                  rs.getLong("seq"),
                  rs.getTimestamp("at").toInstant(),
                  Optional.ofNullable(rs.getString("token_id")),
                  rs.getString("principal"),
                  Optional.ofNullable(rs.getString("tenant")),
                  rs.getString("action"),
                  rs.getString("target"),
                  strings(rs.getArray("changed_fields"))));
        }
      }
      return out;
    } catch (SQLException e) {
      throw failure("read the audit log", e);
    }
  }

  private List<StoredToken> tokens(String where, String value) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s = c.prepareStatement("SELECT * FROM " + q + ".admin_tokens " + where)) {
      s.setString(1, value);
      return readTokens(s);
    } catch (SQLException e) {
      throw failure("read tokens", e);
    }
  }

  private static List<StoredToken> readTokens(PreparedStatement s) throws SQLException {
    List<StoredToken> out = new ArrayList<>();
    try (ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String name : strings(rs.getArray("scopes"))) {
          Scope.fromWireName(name).ifPresent(scopes::add); // a scope of a later release: ignored
        }
        out.add(
            new StoredToken(
                rs.getString("id"),
                rs.getString("name"),
                Optional.ofNullable(rs.getString("tenant")),
                scopes,
                rs.getString("token_hash"),
                rs.getTimestamp("created_at").toInstant(),
                instant(rs.getTimestamp("expires_at")),
                instant(rs.getTimestamp("revoked_at"))));
      }
    }
    return out;
  }

  private static List<String> strings(Array array) throws SQLException {
    Object[] values = (Object[]) array.getArray();
    List<String> out = new ArrayList<>(values.length);
    for (Object v : values) {
      out.add((String) v);
    }
    return out;
  }

  private static Optional<Instant> instant(Timestamp t) {
    return t == null ? Optional.empty() : Optional.of(t.toInstant());
  }

  private static void setInstant(PreparedStatement s, int i, Optional<Instant> t)
      throws SQLException {
    if (t.isPresent()) {
      s.setTimestamp(i, Timestamp.from(t.get()));
    } else {
      s.setNull(i, Types.TIMESTAMP_WITH_TIMEZONE);
    }
  }

  /**
   * A store failure: {@code UNAVAILABLE} (503, worth retrying) only when the database could not be
   * reached or could not serve the request for now; a data or constraint error, which would fail
   * again, is {@code FAILED} (500). The message holds the SQLState, never a value of the request.
   */
  private static AdminStoreException failure(String what, SQLException e) {
    boolean unavailable = unavailable(e);
    return new AdminStoreException(
        unavailable ? AdminStoreException.Reason.UNAVAILABLE : AdminStoreException.Reason.FAILED,
        "the admin store could not "
            + what
            + (unavailable ? ", the database is unavailable" : ", the database refused it")
            + " (SQLState "
            + e.getSQLState()
            + ")",
        e);
  }

  /**
   * Whether a failure is the database being unreachable or unable to serve for now: connection
   * exceptions (SQLState class 08), the server shutting down (57P01 to 57P05), insufficient
   * resources (class 53), a statement or connection timeout (57014 and {@link SQLTimeoutException},
   * a pool's {@link SQLTransientConnectionException}), a connection the driver reports lost, or a
   * conflict with another transaction that the same request survives when tried again (class 40, a
   * deadlock or serialization failure; 55P03, a lock not available).
   */
  static boolean unavailable(SQLException e) {
    for (SQLException x = e; x != null; x = x.getNextException()) {
      if (x instanceof SQLTimeoutException
          || x instanceof SQLTransientConnectionException
          || x instanceof SQLNonTransientConnectionException
          || x instanceof SQLRecoverableException) {
        return true;
      }
      String state = x.getSQLState();
      if (state != null
          && (state.startsWith("08")
              || state.startsWith("40")
              || state.equals("55P03")
              || state.startsWith("53")
              || state.startsWith("57P0")
              || state.equals("57014"))) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "PostgresAdminStore[schema=" + q + "]";
  }
}
