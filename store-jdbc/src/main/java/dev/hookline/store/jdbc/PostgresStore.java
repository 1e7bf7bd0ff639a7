package dev.hookline.store.jdbc;

import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryCounts;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.EventConflictException;
import dev.hookline.EventType;
import dev.hookline.SecretCipherException;
import dev.hookline.Webhook;
import dev.hookline.WebhookConflictException;
import dev.hookline.WebhookNotFoundException;
import dev.hookline.internal.DeliveryKeyset;
import dev.hookline.internal.DeliveryRequeue;
import dev.hookline.internal.DeliveryTotals;
import dev.hookline.internal.SameEvent;
import dev.hookline.internal.WebhookKeyset;
import dev.hookline.internal.WebhookVersions;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.spi.Lane;
import dev.hookline.spi.Lease;
import dev.hookline.spi.SecretCipher;
import dev.hookline.spi.Store;
import dev.hookline.spi.TransactionalStore;
import dev.hookline.spi.WebhookWatcher;
import dev.hookline.store.jdbc.internal.CustomPlans;
import dev.hookline.store.jdbc.internal.GroupCommit;
import dev.hookline.store.jdbc.internal.KnownEvents;
import dev.hookline.store.jdbc.internal.Migrations;
import dev.hookline.store.jdbc.internal.Rows;
import dev.hookline.store.jdbc.internal.Sql;
import dev.hookline.store.jdbc.internal.SqlErrors;
import dev.hookline.store.jdbc.internal.WebhookChangeFeed;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link dev.hookline.spi.Store} on PostgreSQL: a durable outbox that survives restarts and
 * that several application instances share.
 *
 * <ul>
 *   <li><b>Schema.</b> Tables live in their own schema ({@code hookline} by default, see {@link
 *       Builder#schema}), created and upgraded by built-in versioned migrations when the store is
 *       built, under an advisory lock so that instances starting together are safe.
 *   <li><b>Transactional outbox.</b> {@link #enqueue(Connection, List)} writes deliveries in the
 *       caller's open transaction: they go out if, and only if, the caller commits.
 *   <li><b>Claiming.</b> Due deliveries are claimed in one statement per lane with {@code SELECT …
 *       FOR UPDATE SKIP LOCKED}, stamped with a lease owner, expiry and a fencing token from a
 *       global sequence; results are recorded only with the current token. Expired leases are
 *       claimable by any instance. Time comes only from the callers' {@code now} arguments, never
 *       from the database clock.
 *   <li><b>Secrets at rest.</b> API keys and signing secrets pass through the {@link SecretCipher}
 *       before they are written; the database never sees them in plain text.
 *   <li><b>Connections.</b> Each operation borrows a connection from the {@link DataSource} and
 *       returns it before the method returns; no connection is held between calls (so never across
 *       an HTTP request). Pass a pooled DataSource in production. Failures surface as {@link
 *       StoreException}s that say which operation failed and whether the database is unreachable.
 * </ul>
 *
 * <p>Timestamps are stored with PostgreSQL's microsecond precision; finer instants are truncated.
 * Event data is stored as {@code json}, so its text (including key order) is kept as written.
 *
 * <p>Thread-safe: share one instance per schema in a process; any number of processes may use the
 * same schema. {@link #close()} leaves the caller's DataSource open.
 */
public final class PostgresStore implements TransactionalStore {
  private static final Logger log = LoggerFactory.getLogger(PostgresStore.class);

  /** How many times {@link #runHot} runs a statement that keeps failing with 40001. */
  private static final int SERIALIZATION_TRIES = 3;

  /** The schema used when none is set. */
  public static final String DEFAULT_SCHEMA = "hookline";

  /**
   * How long the store waits for the database to answer one of its statements, on a connection
   * without a socket timeout of its own: far beyond any statement of the store's (a grouped write
   * of 500 outcomes takes milliseconds), and short enough that a connection that stopped answering
   * holds the workers' outcomes for seconds, not minutes.
   */
  private static final int DEFAULT_NETWORK_TIMEOUT_MILLIS = 30_000;

  private static final Pattern SCHEMA_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final int REENCRYPT_PAGE = 100;

  /**
   * The collation the listings order ids by, among rows created at one instant: byte-wise, which
   * for the ids Hookline makes (ASCII) is Java's {@code String.compareTo}, the in-memory store's
   * order and the order the admin API's cursors compare ids in. The database's own collation
   * (en_US.UTF-8 on many servers) folds case and puts '-' and '_' before letters, so a page after a
   * cursor whose row was purged, computed from the cursor's (created_at, id) alone, skipped or
   * repeated rows of that instant. The indexes keep ids in the database's collation: each listing
   * reads them newest first by created_at and sorts only the rows of one instant (an Incremental
   * Sort), so no index had to be rebuilt.
   */
  private static final String BYTEWISE = "COLLATE \"C\"";

  private static final int MAX_OUTCOMES = 500;

  static {
    // The admin API's pages of a delivery log start after a position (created_at, id): see
    // DeliveryKeyset.
    DeliveryKeyset.install(
        PostgresStore.class,
        (store, query, createdAt, id) ->
            ((PostgresStore) store).findDeliveries(query, createdAt, id));
    // The summary of every webhook's deliveries: see DeliveryTotals.
    DeliveryTotals.install(
        PostgresStore.class,
        (store, webhookIds) -> ((PostgresStore) store).countDeliveries(webhookIds));
    // The admin API's pages of webhooks: see WebhookKeyset.
    WebhookKeyset.install(
        PostgresStore.class, (store, query) -> ((PostgresStore) store).webhookPage(query));
    // A bulk redelivery's requeues: see DeliveryRequeue.
    DeliveryRequeue.install(
        PostgresStore.class,
        (store, ids, dues, now) -> ((PostgresStore) store).requeueAll(ids, dues, now));
    // A dispatcher's periodic reload reads only the webhooks that changed: see WebhookVersions.
    WebhookVersions.install(
        PostgresStore.class,
        new WebhookVersions.Reader() {
          @Override
          public Map<String, Long> versions(Store store) {
            return ((PostgresStore) store).webhookVersions();
          }

          @Override
          public List<Webhook> read(Store store, Collection<String> ids) {
            return ((PostgresStore) store).webhooksById(ids);
          }
        });
  }

  private final DataSource dataSource;
  private final SecretCipher cipher;
  private final String schema;

  /**
   * How long the store's own statements wait for the database to answer, on connections that come
   * without a socket timeout of their own (pgjdbc's {@code socketTimeout}, 0 by default: forever).
   */
  private final int networkTimeoutMillis;

  private final String channel;
  private final String q;
  private final Sql sql;

  /** Events this store wrote, which claims return without parsing them again. */
  private final KnownEvents knownEvents = new KnownEvents(KnownEvents.DEFAULT_MAX_BYTES);

  /**
   * How long the leader of an outcomes write waits for more outcomes when the previous write
   * carried several: see {@link GroupCommit}.
   */
  private static final Duration OUTCOME_LINGER = Duration.ofMillis(2);

  /**
   * From how many outcomes in the previous write the next leader waits {@link #OUTCOME_BUSY_LINGER}
   * instead: at a steady thousand a second a write carries two or three, in a burst to one endpoint
   * about thirty.
   */
  private static final int OUTCOME_BUSY_BATCH = 16;

  /**
   * How long the leader waits after a write of {@link #OUTCOME_BUSY_BATCH} or more. Each outcome
   * statement costs PostgreSQL about 0.4 ms of CPU besides its rows (it is planned at each
   * execution): in a burst to one endpoint, 8 ms instead of 2 took a statement from about 30
   * outcomes to about 90, and the burst from 8,116 to 8,594 deliveries/s side by side, while paced
   * traffic kept its latency (store-jdbc's README, session 13).
   */
  private static final Duration OUTCOME_BUSY_LINGER = Duration.ofMillis(8);

  /** Outcomes of attempts, written together: see {@link GroupCommit}. */
  private final GroupCommit<Outcome> outcomes =
      new GroupCommit<>(
          MAX_OUTCOMES, OUTCOME_LINGER, OUTCOME_BUSY_BATCH, OUTCOME_BUSY_LINGER, this::finishAll);

  /**
   * Publishes from many threads, written together: see {@link #enqueue(List)}. At most this many
   * callers' batches go into one statement.
   */
  private static final int MAX_ENQUEUES = 64;

  private final GroupCommit<Enqueue> enqueues =
      new GroupCommit<>(MAX_ENQUEUES, this::enqueueAll, PostgresStore::unreachable);

  private PostgresStore(Builder b, SecretCipher cipher) {
    this.dataSource = b.dataSource;
    this.cipher = cipher;
    this.schema = b.schema;
    this.networkTimeoutMillis = b.networkTimeoutMillis;
    this.q = Migrations.quote(b.schema);
    this.channel = WebhookChangeFeed.channel(b.schema);
    this.sql = new Sql(b.schema);
  }

  /**
   * Starts a store over a DataSource. The caller owns the DataSource (pass a pooled one in
   * production) and closes it after closing the store.
   *
   * @param dataSource where to connect
   * @return a new builder
   */
  public static Builder builder(DataSource dataSource) {
    return new Builder(Objects.requireNonNull(dataSource, "dataSource"));
  }

  /**
   * Returns the DataSource this store connects through (the caller's: this store never closes it),
   * for components that keep their tables beside this store's, such as the admin module's {@code
   * PostgresAdminStore}.
   *
   * @return the DataSource given to {@link #builder(DataSource)}
   */
  public DataSource dataSource() {
    return dataSource;
  }

  /**
   * Returns the schema holding this store's tables.
   *
   * @return the schema name
   */
  public String schema() {
    return schema;
  }

  // ---- webhooks ----

  /**
   * {@inheritDoc}
   *
   * @throws StoreException if the database fails
   */
  @Override
  public void insertWebhook(Webhook webhook) {
    Objects.requireNonNull(webhook, "webhook");
    try {
      // One transaction with its notification: on auto-commit the insert committed by itself, and
      // a connection that broke before the notification left a webhook no other instance heard of
      // while the caller was told the insert failed.
      transaction(
          "insert webhook " + webhook.id(),
          c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.insertWebhook)) {
              int next = bindWebhook(c, ps, webhook);
              ps.setString(next, webhook.tenant().orElse(null));
              ps.executeUpdate();
            }
            WebhookChangeFeed.notifyChange(c, channel, webhook.id());
            return true;
          });
    } catch (StoreException e) {
      if (e.sqlState().filter("23505"::equals).isPresent()) {
        throw WebhookConflictException.duplicateId(webhook.id());
      }
      throw e;
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>One transaction takes an advisory lock on the tenant's count, counts and inserts, so
   * creations in any number of processes never pass the limit.
   */
  @Override
  public boolean insertWebhook(Webhook webhook, int maxPerTenant) {
    Objects.requireNonNull(webhook, "webhook");
    if (maxPerTenant < 1) {
      throw new IllegalArgumentException("maxPerTenant must be at least 1, was " + maxPerTenant);
    }
    if (webhook.tenant().isEmpty()) {
      insertWebhook(webhook);
      return true;
    }
    String tenant = webhook.tenant().get();
    try {
      return transaction(
          "insert webhook " + webhook.id(),
          c -> {
            try (PreparedStatement lock = c.prepareStatement(sql.lockTenantWebhooks)) {
              lock.setString(1, sql.tenantLockPrefix);
              lock.setString(2, tenant);
              lock.execute();
            }
            try (PreparedStatement count = c.prepareStatement(sql.countTenantWebhooks)) {
              count.setString(1, tenant);
              try (ResultSet rs = count.executeQuery()) {
                rs.next();
                if (rs.getLong(1) >= maxPerTenant) {
                  return false;
                }
              }
            }
            try (PreparedStatement ps = c.prepareStatement(sql.insertWebhook)) {
              int next = bindWebhook(c, ps, webhook);
              ps.setString(next, tenant);
              ps.executeUpdate();
            }
            WebhookChangeFeed.notifyChange(c, channel, webhook.id());
            return true;
          });
    } catch (StoreException e) {
      if (e.sqlState().filter("23505"::equals).isPresent()) {
        throw WebhookConflictException.duplicateId(webhook.id());
      }
      throw e;
    }
  }

  /**
   * Binds every column but {@code id} and {@code tenant}, then the id (the statements name those
   * last); returns the next parameter index.
   */
  private int bindWebhook(Connection c, PreparedStatement ps, Webhook w) throws SQLException {
    int i = 1;
    ps.setString(i++, w.name());
    ps.setString(i++, w.description());
    ps.setString(i++, w.uri().toString());
    ps.setString(i++, Rows.apiKey(w, cipher));
    ps.setArray(
        i++, c.createArrayOf("text", w.events().stream().map(EventType::wireName).toArray()));
    ps.setString(i++, Rows.eventTypes(w.events()));
    ps.setString(i++, w.filter().orElse(null));
    ps.setString(i++, w.status().name());
    ps.setBoolean(i++, w.enabled());
    ps.setString(i++, w.statusReason().orElse(null));
    ps.setString(i++, Rows.signingSecrets(w, cipher));
    ps.setObject(i++, Rows.ts(w.createdAt()));
    ps.setObject(i++, Rows.ts(w.updatedAt()));
    ps.setLong(i++, w.version());
    ps.setString(i++, w.format().name());
    ps.setString(i++, w.audience().orElse(null));
    ps.setString(i++, w.id());
    return i;
  }

  /**
   * {@inheritDoc}
   *
   * @throws StoreException if the database fails
   */
  @Override
  public void updateWebhook(Webhook updated) {
    Objects.requireNonNull(updated, "updated");
    long expected = updated.version() - 1;
    // One transaction with its notification (see insertWebhook): an update that committed without
    // it was reported failed, and a retry ("already enabled") changed and notified nothing.
    Optional<StoredVersion> stored =
        transaction(
            "update webhook " + updated.id(),
            c -> {
              try (PreparedStatement ps = c.prepareStatement(sql.updateWebhook)) {
                int next = bindWebhook(c, ps, updated);
                ps.setString(next++, updated.tenant().orElse(null));
                ps.setLong(next, expected);
                if (ps.executeUpdate() == 1) {
                  WebhookChangeFeed.notifyChange(c, channel, updated.id());
                  return Optional.of(new StoredVersion(expected, updated.tenant()));
                }
              }
              try (PreparedStatement ps =
                  c.prepareStatement(
                      "SELECT version, tenant FROM " + q + ".webhooks WHERE id = ?")) {
                ps.setString(1, updated.id());
                try (ResultSet rs = ps.executeQuery()) {
                  return rs.next()
                      ? Optional.of(
                          new StoredVersion(rs.getLong(1), Optional.ofNullable(rs.getString(2))))
                      : Optional.empty();
                }
              }
            });
    if (stored.isEmpty()) {
      throw new WebhookNotFoundException(updated.id());
    }
    if (!stored.get().tenant().equals(updated.tenant())) {
      throw new IllegalArgumentException(
          "Webhook '" + updated.id() + "' belongs to another tenant: a tenant never changes");
    }
    if (stored.get().version() != expected) {
      throw WebhookConflictException.staleVersion(updated.id(), expected, stored.get().version());
    }
  }

  /**
   * {@inheritDoc}
   *
   * @throws StoreException if the database fails
   * @throws dev.hookline.SecretCipherException if a stored secret cannot be decrypted
   */
  @Override
  public Optional<Webhook> findWebhook(String id) {
    Objects.requireNonNull(id, "id");
    return run(
        "find webhook " + id,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("SELECT * FROM " + q + ".webhooks WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(Rows.webhook(rs, cipher)) : Optional.empty();
            }
          }
        });
  }

  /**
   * {@inheritDoc}
   *
   * <p>A webhook whose stored secret fails authentication or is malformed under a key the cipher
   * has (a row edited by hand, a bit flip, a value copied from another webhook) is left out, with
   * an ERROR naming it, so that one corrupt row does not stop every dispatcher and every tenant.
   * Left out, it is not routed to: events published meanwhile are not enqueued for it. {@link
   * #findWebhook} still fails for it.
   *
   * @throws StoreException if the database fails
   * @throws dev.hookline.SecretCipherException if a stored secret names a key id the cipher does
   *     not have, or if every webhook listed fails to decrypt (a wrong key, not a corrupt row)
   */
  @Override
  public List<Webhook> listWebhooks() {
    return queryWebhooks(
        "list webhooks",
        true,
        null,
        "SELECT * FROM " + q + ".webhooks ORDER BY created_at, id " + BYTEWISE);
  }

  /**
   * Runs a query of whole webhook rows.
   *
   * <p>With {@code leaveOutUnreadable}, a row whose secret fails authentication or is malformed
   * under a key the cipher has is left out, and each such row is logged (ERROR, once per call,
   * naming the webhook, its tenant, the column and the key id, never a secret or ciphertext): a
   * single corrupt row made every list fail, and with it every dispatcher's build and reload, so
   * one row stopped every instance and every tenant. Left out, the webhook is not routed to, and
   * its events are not enqueued for it, until its row is repaired (or it is deleted). A value under
   * a key id the cipher does not have still fails the call (a decryption key is missing from the
   * configuration: every such row would be left out), and so does a call in which every row read
   * failed (a wrong key configured under the right id, not a corrupt row), or in which a row failed
   * authentication under a key header (AesGcmSecretCipher's {@code v2:<keyId>:}) that no row read
   * had: in a key rotation, the rows under the old key read, and an instance with wrong material
   * under the new key id would leave out every webhook written under it.
   *
   * <p>A list of one tenant's webhooks holds too few rows to tell (its only webhook may be the
   * corrupt one, and its tenant got a 500 from the admin API's list): for a key header under which
   * none of its rows read, and when none read at all, up to {@value #KEY_EVIDENCE_ROWS} rows of
   * other tenants under that header are tried, and one that reads shows the key is right.
   *
   * @param operation what is done, for the error
   * @param leaveOutUnreadable whether to leave out rows whose secrets fail authentication
   * @param tenant the tenant whose rows the query selects, the empty string (no tenant's name) for
   *     a page of rows across tenants, as few as one tenant's, or null for every row
   * @param sql the query, selecting every column of {@code webhooks}
   * @param parameters its parameters, in order (strings, integers, booleans, times, string arrays)
   * @return the webhooks, in the query's order
   */
  private List<Webhook> queryWebhooks(
      String operation,
      boolean leaveOutUnreadable,
      @Nullable String tenant,
      String sql,
      Object... parameters) {
    List<Unreadable> leftOut = new ArrayList<>();
    List<Malformed> malformed = new ArrayList<>();
    List<Webhook> listed =
        run(
            operation,
            c -> {
              leftOut.clear();
              malformed.clear();
              try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < parameters.length; i++) {
                  if (parameters[i] instanceof String[] texts) {
                    ps.setArray(i + 1, c.createArrayOf("text", texts));
                  } else {
                    ps.setObject(i + 1, parameters[i]);
                  }
                }
                try (ResultSet rs = ps.executeQuery()) {
                  List<Webhook> out = new ArrayList<>();
                  // The key headers of the values that decrypted, and of rows that failed theirs.
                  Set<String> readable = new HashSet<>();
                  Map<SecretCipherException, Set<String>> unauthentic = new LinkedHashMap<>();
                  while (rs.next()) {
                    if (!leaveOutUnreadable) {
                      out.add(Rows.webhook(rs, cipher));
                      continue;
                    }
                    try {
                      out.add(Rows.webhook(rs, cipher));
                      readable.addAll(Rows.keyHeaders(rs));
                    } catch (SecretCipherException e) {
                      if (e.reason() == SecretCipherException.Reason.UNKNOWN_KEY) {
                        throw e;
                      }
                      leftOut.add(
                          new Unreadable(
                              rs.getString("id"), Optional.ofNullable(rs.getString("tenant")), e));
                      if (e.reason() == SecretCipherException.Reason.AUTHENTICATION_FAILED) {
                        unauthentic.put(e, Rows.keyHeaders(rs));
                      }
                    } catch (SQLException e) {
                      if (!Rows.isRowData(e)) {
                        throw e;
                      }
                      // Its secrets are not in question (no evidence about the key either way):
                      // a value this library cannot read back, which one row's edit explains.
                      malformed.add(
                          new Malformed(
                              rs.getString("id"),
                              Optional.ofNullable(rs.getString("tenant")),
                              String.valueOf(e.getMessage())));
                    }
                  }
                  boolean readSome = !out.isEmpty();
                  if (tenant != null && !leftOut.isEmpty()) {
                    // One tenant's rows are too few to tell a wrong key from a corrupt row (its
                    // only webhook): the evidence comes from the other tenants' rows.
                    Set<String> unproven = new HashSet<>();
                    unauthentic.values().forEach(unproven::addAll);
                    unproven.removeAll(readable);
                    if (!readSome && unproven.isEmpty()) {
                      unproven.add(""); // only malformed values: any readable row will do
                    }
                    for (String header : unproven) {
                      readSome |= readsElsewhere(c, tenant, header, readable);
                    }
                  }
                  if (!readSome && !leftOut.isEmpty()) {
                    throw leftOut.get(0).failure();
                  }
                  // A key under which nothing read, and something failed, is a wrong key (one
                  // instance configured with other material under a key id, in a rotation), not a
                  // corrupt row: not one row fails, but every row under that key id.
                  for (Map.Entry<SecretCipherException, Set<String>> f : unauthentic.entrySet()) {
                    if (!readable.containsAll(f.getValue())) {
                      throw f.getKey();
                    }
                  }
                  return out;
                }
              }
            });
    for (Malformed m : malformed) {
      // The message names the webhook and the class of the failure, never the row's values.
      log.error(
          "{}: a webhook is left out, its stored row cannot be read back; no events are enqueued"
              + " for it until its row is repaired or it is deleted: webhook={} tenant={} error={}",
          operation,
          m.webhookId(),
          m.tenant().orElse("-"),
          m.why());
    }
    for (Unreadable u : leftOut) {
      // The failure's message names the webhook, the column and the key id (the cipher's messages
      // never hold a secret or a ciphertext), not the value.
      log.error(
          "{}: a webhook is left out, its stored secret cannot be decrypted; no events are"
              + " enqueued for it until its row is repaired or it is deleted: webhook={} tenant={}"
              + " reason={} error={}",
          operation,
          u.webhookId(),
          u.tenant().orElse("-"),
          u.failure().reason(),
          u.failure().getMessage());
    }
    return listed;
  }

  /**
   * Whether a webhook of another tenant (or the host's) whose API key is stored under {@code
   * header} reads with the configured cipher; the key headers of those that read are added to
   * {@code readable}. At most {@value #KEY_EVIDENCE_ROWS} rows are tried.
   *
   * @param c the connection
   * @param tenant the tenant whose own rows were read already
   * @param header a key header ({@code v2:<keyId>:}), or empty for any row
   * @param readable the key headers known to read
   * @return true if one row read
   */
  private boolean readsElsewhere(Connection c, String tenant, String header, Set<String> readable)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT * FROM "
                + q
                + ".webhooks WHERE tenant IS DISTINCT FROM ? AND left(api_key_enc, ?) = ?"
                + " LIMIT "
                + KEY_EVIDENCE_ROWS)) {
      ps.setString(1, tenant);
      ps.setInt(2, header.length());
      ps.setString(3, header);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          try {
            Rows.webhook(rs, cipher);
          } catch (SecretCipherException e) {
            if (e.reason() == SecretCipherException.Reason.UNKNOWN_KEY) {
              throw e;
            }
            continue;
          } catch (SQLException e) {
            if (!Rows.isRowData(e)) {
              throw e;
            }
            continue; // a value it cannot read: no evidence about the key
          }
          readable.addAll(Rows.keyHeaders(rs));
          return true;
        }
      }
    }
    return false;
  }

  /** How many other rows {@link #readsElsewhere} tries before it calls a key wrong. */
  private static final int KEY_EVIDENCE_ROWS = 16;

  /** A webhook row {@link #queryWebhooks} left out for a value it cannot read, and why. */
  private record Malformed(String webhookId, Optional<String> tenant, String why) {}

  /** A webhook row {@link #queryWebhooks} left out, and why. */
  private record Unreadable(
      String webhookId, Optional<String> tenant, SecretCipherException failure) {}

  /** A stored webhook's version and tenant, read when an update matched no row. */
  private record StoredVersion(long version, Optional<String> tenant) {}

  /**
   * {@inheritDoc}
   *
   * <p>A webhook whose stored secret fails authentication is left out, as by {@link
   * #listWebhooks()}, also when it is the tenant's only one: whether the key is right is judged by
   * the other tenants' rows under the same key id too.
   *
   * @throws StoreException if the database fails
   * @throws dev.hookline.SecretCipherException if a stored secret names a key id the cipher does
   *     not have, or if the tenant's webhooks under a key id fail to decrypt and no other webhook
   *     under that key id reads (a wrong key)
   */
  @Override
  public List<Webhook> listWebhooks(String tenant) {
    Objects.requireNonNull(tenant, "tenant");
    return queryWebhooks(
        "list webhooks of a tenant",
        true,
        tenant,
        "SELECT * FROM " + q + ".webhooks WHERE tenant = ? ORDER BY created_at, id " + BYTEWISE,
        tenant);
  }

  /** Every webhook's id and version, for {@link WebhookVersions}: no secret is read. */
  private Map<String, Long> webhookVersions() {
    return run(
        "list webhook versions",
        c -> {
          try (PreparedStatement ps =
                  c.prepareStatement("SELECT id, version FROM " + q + ".webhooks");
              ResultSet rs = ps.executeQuery()) {
            Map<String, Long> versions = new HashMap<>();
            while (rs.next()) {
              versions.put(rs.getString(1), rs.getLong(2));
            }
            return versions;
          }
        });
  }

  /**
   * The webhooks of the ids that exist, for {@link WebhookVersions}, {@value #WEBHOOKS_BY_ID} per
   * statement; a row whose secret cannot be decrypted is left out as {@link #listWebhooks()} leaves
   * it out (with the evidence of other rows that the key is right, as a few rows cannot tell).
   */
  private List<Webhook> webhooksById(Collection<String> ids) {
    List<String> all = new ArrayList<>(ids);
    List<Webhook> out = new ArrayList<>(all.size());
    for (int from = 0; from < all.size(); from += WEBHOOKS_BY_ID) {
      String[] chunk =
          all.subList(from, Math.min(all.size(), from + WEBHOOKS_BY_ID)).toArray(String[]::new);
      out.addAll(
          queryWebhooks(
              "reload webhooks",
              true,
              "",
              "SELECT * FROM " + q + ".webhooks WHERE id = ANY(?::text[])",
              (Object) chunk));
    }
    return out;
  }

  /** How many webhooks {@link #webhooksById} reads per statement. */
  private static final int WEBHOOKS_BY_ID = 1_000;

  /**
   * A page of webhooks for {@link WebhookKeyset}, in the lists' order. The next rows' keys are read
   * first, without their secrets, then those rows in full: a row left out there (its secret cannot
   * be decrypted) does not end the page early, the keys go on from the last key read.
   */
  private List<Webhook> webhookPage(WebhookKeyset.Query query) {
    StringBuilder where = new StringBuilder(" WHERE true");
    List<Object> filters = new ArrayList<>();
    query
        .tenant()
        .ifPresent(
            t -> {
              where.append(" AND tenant = ?");
              filters.add(t);
            });
    query
        .status()
        .ifPresent(
            st -> {
              where.append(" AND status = ?");
              filters.add(st.name());
            });
    query
        .enabled()
        .ifPresent(
            e -> {
              where.append(" AND enabled = ?");
              filters.add(e);
            });
    String order = " ORDER BY created_at, id " + BYTEWISE;
    List<Webhook> out = new ArrayList<>();
    Optional<WebhookKeyset.Position> after = query.after();
    while (out.size() < query.limit()) {
      int wanted = query.limit() - out.size();
      List<Object> parameters = new ArrayList<>(filters);
      String position = "";
      if (after.isPresent()) {
        Instant t = after.get().createdAt();
        if (Rows.micros(t).equals(t)) {
          position = " AND (created_at > ? OR (created_at = ? AND id " + BYTEWISE + " > ?))";
          parameters.add(Rows.ts(t));
          parameters.add(Rows.ts(t));
          parameters.add(after.get().id());
        } else {
          position = " AND created_at > ?"; // finer than a stored time: none is at it
          parameters.add(Rows.atOrBefore(t));
        }
      }
      String keys =
          "SELECT id, created_at FROM " + q + ".webhooks" + where + position + order + " LIMIT ?";
      parameters.add(wanted);
      List<WebhookKeyset.Position> next =
          run(
              "list webhooks",
              c -> {
                try (PreparedStatement ps = c.prepareStatement(keys)) {
                  for (int i = 0; i < parameters.size(); i++) {
                    ps.setObject(i + 1, parameters.get(i));
                  }
                  try (ResultSet rs = ps.executeQuery()) {
                    List<WebhookKeyset.Position> read = new ArrayList<>();
                    while (rs.next()) {
                      read.add(
                          new WebhookKeyset.Position(
                              rs.getObject(2, OffsetDateTime.class).toInstant(), rs.getString(1)));
                    }
                    return read;
                  }
                }
              });
      if (next.isEmpty()) {
        break;
      }
      List<Object> rowParameters = new ArrayList<>(filters);
      rowParameters.add(next.stream().map(WebhookKeyset.Position::id).toArray(String[]::new));
      out.addAll(
          queryWebhooks(
              "list webhooks",
              true,
              query.tenant().orElse(""),
              "SELECT * FROM " + q + ".webhooks" + where + " AND id = ANY(?::text[])" + order,
              rowParameters.toArray()));
      if (next.size() < wanted) {
        break;
      }
      after = Optional.of(next.get(next.size() - 1));
    }
    return out;
  }

  /**
   * {@inheritDoc}
   *
   * @throws StoreException if the database fails
   */
  @Override
  public boolean deleteWebhook(String id) {
    Objects.requireNonNull(id, "id");
    // The webhook first: deleting its row waits for every transaction still enqueuing for it
    // (an enqueue locks the row FOR KEY SHARE), and later enqueues wait for this one, then find
    // the row gone and add nothing. So the deliveries deleted next, in the same transaction, are
    // all there will ever be (READ COMMITTED: the second statement sees what the waited-for
    // transactions committed). No foreign key does this (migration 7: its check on every
    // enqueued delivery cost more than the lock the enqueue takes anyway). Their events, if no
    // longer referenced, go by purge. Not bounded by the network timeout: that wait includes a
    // caller's own transaction that enqueued for the webhook (enqueue(Connection, ...)), open for
    // as long as the caller keeps it, and cutting it off killed the connection and failed the
    // delete as unavailable.
    return transaction(
        "delete webhook " + id,
        false,
        c -> {
          boolean deleted;
          try (PreparedStatement ps =
              c.prepareStatement("DELETE FROM " + q + ".webhooks WHERE id = ?")) {
            ps.setString(1, id);
            deleted = ps.executeUpdate() > 0;
          }
          if (deleted) {
            try (PreparedStatement ps =
                c.prepareStatement("DELETE FROM " + q + ".deliveries WHERE webhook_id = ?")) {
              ps.setString(1, id);
              ps.executeUpdate();
            }
            WebhookChangeFeed.notifyChange(c, channel, id);
          }
          return deleted;
        });
  }

  /**
   * {@inheritDoc}
   *
   * <p>Over PostgreSQL's {@code LISTEN}/{@code NOTIFY}: every webhook write through any {@code
   * PostgresStore} on this schema notifies when it commits. The watch holds one connection of the
   * pool for as long as it runs, beside those the claims, grouped writes and publishes borrow
   * (docs/production.md sizes the pool), reconnects with a back-off when the database goes away and
   * then asks for a resync. A pool whose connections do not unwrap to pgjdbc's {@code PGConnection}
   * gives no feed (logged once).
   */
  @Override
  public Watch watchWebhooks(WebhookWatcher watcher) {
    return WebhookChangeFeed.start(dataSource, channel, Objects.requireNonNull(watcher, "watcher"));
  }

  // ---- endpoint health ----

  @Override
  public Instant markEndpointFailing(String webhookId, Instant at) {
    Objects.requireNonNull(webhookId, "webhookId");
    Objects.requireNonNull(at, "at");
    return run(
        "mark endpoint failing " + webhookId,
        c -> {
          // LEAST keeps the earliest start when instances race; no row for an unknown webhook.
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO "
                      + q
                      + ".endpoint_health (webhook_id, failing_since) SELECT id, ? FROM "
                      + q
                      + ".webhooks WHERE id = ? ON CONFLICT (webhook_id) DO UPDATE SET"
                      + " failing_since = LEAST("
                      + q
                      + ".endpoint_health.failing_since, EXCLUDED.failing_since)"
                      + " RETURNING failing_since")) {
            ps.setObject(1, Rows.ts(at));
            ps.setString(2, webhookId);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? rs.getObject(1, OffsetDateTime.class).toInstant() : at;
            }
          }
        });
  }

  @Override
  public void clearEndpointFailing(String webhookId) {
    Objects.requireNonNull(webhookId, "webhookId");
    run(
        "clear endpoint failing " + webhookId,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("DELETE FROM " + q + ".endpoint_health WHERE webhook_id = ?")) {
            ps.setString(1, webhookId);
            return ps.executeUpdate();
          }
        });
  }

  @Override
  public Optional<Instant> endpointFailingSince(String webhookId) {
    Objects.requireNonNull(webhookId, "webhookId");
    return run(
        "read endpoint failing " + webhookId,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT failing_since FROM " + q + ".endpoint_health WHERE webhook_id = ?")) {
            ps.setString(1, webhookId);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next()
                  ? Optional.of(rs.getObject(1, OffsetDateTime.class).toInstant())
                  : Optional.<Instant>empty();
            }
          }
        });
  }

  /**
   * Rewrites every webhook's stored secrets with the cipher's current primary key, after a master
   * key rotation. Webhooks are rewritten one page at a time, each with its version unchanged (the
   * webhook itself does not change); one changed concurrently is skipped, as its update already
   * re-encrypted it. Safe to run while other instances work.
   *
   * @return how many webhooks were rewritten
   * @throws StoreException if the database fails
   * @throws dev.hookline.SecretCipherException if a stored secret cannot be decrypted with any
   *     configured key
   */
  public int reencryptSecrets() {
    int rewritten = 0;
    String after = "";
    while (true) {
      List<Webhook> page =
          queryWebhooks(
              "re-encrypt secrets",
              false, // every row or a failure: a row left out would stay under the old key
              null,
              "SELECT * FROM " + q + ".webhooks WHERE id > ? ORDER BY id LIMIT ?",
              after,
              REENCRYPT_PAGE);
      if (page.isEmpty()) {
        return rewritten;
      }
      rewritten +=
          run(
              "re-encrypt secrets",
              c -> {
                int n = 0;
                try (PreparedStatement ps =
                    c.prepareStatement(
                        "UPDATE "
                            + q
                            + ".webhooks SET api_key_enc = ?, signing_secrets = ?::jsonb"
                            + " WHERE id = ? AND version = ?")) {
                  for (Webhook w : page) {
                    ps.setString(1, Rows.apiKey(w, cipher));
                    ps.setString(2, Rows.signingSecrets(w, cipher));
                    ps.setString(3, w.id());
                    ps.setLong(4, w.version());
                    n += ps.executeUpdate();
                  }
                }
                return n;
              });
      after = page.get(page.size() - 1).id();
    }
  }

  // ---- the outbox ----

  /**
   * {@inheritDoc}
   *
   * <p>Deliveries for webhooks that do not exist are skipped, as are repeats of an (event id,
   * webhook id) pair or a delivery id, within the batch (the first wins) or already stored. The
   * returned deliveries carry timestamps truncated to microseconds, as stored.
   *
   * <p>Calls from many threads at once are written together (group commit): one statement carries
   * the batches of every caller waiting, up to 64, and each caller returns once that statement has
   * committed, with its own deliveries that were added. Each caller's batch is still all or
   * nothing: should the joint statement fail, each batch is written again on its own, so that one
   * caller's failure is never another's. Besides saving round trips, this keeps concurrent
   * publishers from piling row locks onto the same webhook rows (each enqueue locks its webhooks
   * {@code FOR KEY SHARE}, and many lockers of one row at once contend on its page). A grouped
   * statement waits at most a few hundred milliseconds for a lock: a batch that must wait for
   * another transaction (a caller's own, still open, that enqueued the same event through {@link
   * #enqueue(Connection, List)}) is then written by its own caller, who alone waits for it.
   *
   * @throws IllegalArgumentException if a delivery is not {@code PENDING} with a due time
   * @throws StoreException if the database fails
   */
  @Override
  public List<Delivery> enqueue(List<Delivery> deliveries) {
    List<Delivery> batch = validated(deliveries);
    if (batch.isEmpty()) {
      return List.of();
    }
    Enqueue request = new Enqueue(batch, Map.of());
    enqueues.submit(request);
    return answer(request);
  }

  /**
   * {@inheritDoc}
   *
   * <p>One statement, as {@link #enqueue(List)} (and grouped with other callers' the same way): the
   * claimed deliveries are inserted {@code IN_FLIGHT} with their lease token from the same sequence
   * as {@link #claim}'s.
   *
   * @throws StoreException if the database fails
   */
  @Override
  public List<Delivery> enqueueClaiming(
      List<Delivery> deliveries, Set<String> claimIds, ClaimRequest lease) {
    Objects.requireNonNull(claimIds, "claimIds");
    Objects.requireNonNull(lease, "lease");
    List<Delivery> batch = validated(deliveries);
    if (batch.isEmpty()) {
      return List.of();
    }
    Map<String, ClaimRequest> claims = new HashMap<>();
    for (Delivery d : batch) {
      if (claimIds.contains(d.id())) {
        claims.put(d.id(), lease);
      }
    }
    Enqueue request = new Enqueue(batch, claims);
    enqueues.submit(request);
    return answer(request);
  }

  /**
   * The deliveries a grouped write added for a request, or its failure; or, if its grouped write
   * gave up on a lock (another transaction, such as a caller's own that enqueued the same event and
   * has not ended, holds a row the batch must wait for), those of the batch written now on its own,
   * waiting for that transaction as long as it stays open (not cut off by the network timeout):
   * only this caller waits for that transaction, not the publishes grouped with it or queued behind
   * its flush.
   */
  private List<Delivery> answer(Enqueue r) {
    if (!r.contended) {
      return r.result();
    }
    // Not bounded by the network timeout, as deleteWebhook is not: this write waits for another
    // transaction by design (the database answered the grouped write a moment ago), and a caller's
    // transaction left open longer than that timeout made the driver kill the connection and fail
    // the publish as UNAVAILABLE, "the database is unreachable", while it was not.
    return run(
        "enqueue " + r.batch.size() + " deliveries",
        false,
        c -> enqueueOn(c, r.batch, r.claims, sql.enqueue));
  }

  /**
   * One caller's batch in a group commit, and its answer: the deliveries added, or the failure.
   * Written by the flushing thread before the group commit's lock is taken again, read by the
   * caller after it: the lock orders the two.
   */
  private static final class Enqueue {
    final List<Delivery> batch;
    final Map<String, ClaimRequest> claims;
    @Nullable List<Delivery> added;
    @Nullable RuntimeException failure;

    /** Its grouped write gave up waiting for a lock: its caller writes it alone (see answer). */
    boolean contended;

    Enqueue(List<Delivery> batch, Map<String, ClaimRequest> claims) {
      this.batch = batch;
      this.claims = claims;
    }

    List<Delivery> result() {
      if (failure != null) {
        throw failure;
      }
      return Objects.requireNonNull(added, "added");
    }
  }

  /**
   * Flushes the batches of many callers: one statement, or one each if that fails. Each statement
   * waits at most {@link Sql#GROUPED_LOCK_TIMEOUT} for a lock: a batch that must wait longer (for
   * another transaction holding a row it inserts, such as a caller's own transaction that enqueued
   * the same event and is still open) would hold every batch of its flush, and every publish queued
   * behind the flush, for as long as that transaction stays open. Such a batch is handed back to
   * its caller to write alone ({@link #answer}).
   *
   * <p>A batch that repeats a delivery id of an earlier batch of the flush (the same prepared batch
   * published again from another thread, or delivery ids derived from the event and the webhook) is
   * written after the joint statement, on its own. In the joint statement PostgreSQL stored the id
   * once (ON CONFLICT DO NOTHING) and returned it once, but the answers are matched to the callers
   * by delivery id, so every caller whose batch held it was told its delivery was added: both of
   * two callers publishing the same deliveries, or a second caller told of a delivery of its event
   * to its webhook that was stored as the first caller's, of another event to another webhook, and
   * never sent. Written after it, the repeat is answered as when the calls come one after the
   * other: already stored, not added.
   */
  private boolean[] enqueueAll(List<Enqueue> requests) {
    boolean[] done = new boolean[requests.size()];
    Arrays.fill(done, true);
    List<Enqueue> together = new ArrayList<>(requests.size());
    List<Enqueue> after = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (Enqueue r : requests) {
      boolean repeats = false;
      for (Delivery d : r.batch) {
        repeats |= !ids.add(d.id()); // ids are unique within a batch: a repeat is another's
      }
      (repeats ? after : together).add(r);
    }
    enqueueTogether(together);
    for (Enqueue r : after) {
      enqueueAlone(r, false);
    }
    return done;
  }

  /**
   * Writes batches in one statement, or one each if that fails on one caller's data or a conflict;
   * a failure to reach the database is thrown, so that the group commit answers the callers queued
   * meanwhile with it too.
   */
  private void enqueueTogether(List<Enqueue> requests) {
    if (requests.size() == 1) {
      enqueueAlone(requests.get(0), true);
      return;
    }
    List<Delivery> all = new ArrayList<>();
    Map<String, ClaimRequest> claims = new HashMap<>();
    for (Enqueue r : requests) {
      all.addAll(r.batch);
      claims.putAll(r.claims);
    }
    Map<String, Delivery> added = new HashMap<>();
    try {
      for (Delivery d :
          run(
              "enqueue " + all.size() + " deliveries",
              c -> enqueueOn(c, all, claims, sql.enqueueBounded))) {
        added.put(d.id(), d);
      }
    } catch (RuntimeException e) {
      if (!oneCallersData(e) && !lostAConflict(e) && !waitedForALock(e)) {
        // The database is unreachable or timed out: each batch alone would fail the same way,
        // one connection timeout after another, while every caller waits for the last.
        if (unreachable(e)) {
          throw e; // the group commit answers the callers queued meanwhile with it too
        }
        for (Enqueue r : requests) {
          r.failure = e;
        }
        return;
      }
      for (Enqueue r : requests) {
        enqueueAlone(r, false);
      }
      return;
    }
    for (Enqueue r : requests) {
      List<Delivery> mine = new ArrayList<>();
      for (Delivery d : r.batch) {
        Delivery stored = added.get(d.id());
        if (stored != null) {
          mine.add(stored);
        }
      }
      r.added = mine;
    }
  }

  /**
   * Whether a joint write of many callers' requests may have failed on one caller's data: a data
   * exception, an integrity constraint or a value beyond one of PostgreSQL's limits (SQLState
   * classes 22, 23 and 54: a delivery id too long for an index entry, which the Store's contract
   * does not bound, failed every caller of the write with 54000), or an error raised before the
   * database answered. Writing each request alone then lets the others through. Any other failure
   * (the database unreachable, a timeout, a deadlock) would only repeat for each.
   */
  private static boolean oneCallersData(RuntimeException e) {
    if (!(e instanceof StoreException se)) {
      return true;
    }
    String state = se.sqlState().orElse("");
    return state.startsWith("22") || state.startsWith("23") || state.startsWith("54");
  }

  /**
   * Whether a write failed because the database is unreachable ({@code UNAVAILABLE}): the grouped
   * enqueues queued behind it would fail the same way, each group after another connection timeout.
   */
  private static boolean unreachable(RuntimeException e) {
    return e instanceof StoreException se && se.reason() == StoreException.Reason.UNAVAILABLE;
  }

  /**
   * Whether a joint write was cancelled by a conflict with another transaction (SQLState class 40:
   * a deadlock or a serialization failure), such as a webhook's deletion locking some of the joint
   * write's rows in another order. The write is atomic, so nothing of it stands; written alone,
   * each request waits for its own rows at most, and the requests that had nothing to do with the
   * conflict go through instead of all failing with it.
   */
  private static boolean lostAConflict(RuntimeException e) {
    return e instanceof StoreException se && se.sqlState().orElse("").startsWith("40");
  }

  /**
   * Whether a grouped write gave up waiting for a lock (SQLState 55P03, after {@link
   * Sql#GROUPED_LOCK_TIMEOUT}). Written alone, each batch then waits at most that long again, and
   * the ones that did not conflict go through.
   */
  private static boolean waitedForALock(RuntimeException e) {
    return e instanceof StoreException se && se.sqlState().filter("55P03"::equals).isPresent();
  }

  /**
   * Writes one caller's batch alone, with the grouped writes' lock bound: a batch that waited too
   * long for a lock goes back to its caller ({@code contended}), any other failure is its own.
   *
   * @param rethrowUnreachable whether a failure to reach the database is thrown instead (so that
   *     the group commit answers the callers queued meanwhile with it too)
   */
  private void enqueueAlone(Enqueue r, boolean rethrowUnreachable) {
    try {
      r.added =
          run(
              "enqueue " + r.batch.size() + " deliveries",
              c -> enqueueOn(c, r.batch, r.claims, sql.enqueueBounded));
    } catch (RuntimeException e) {
      if (rethrowUnreachable && unreachable(e)) {
        throw e;
      }
      if (waitedForALock(e)) {
        r.contended = true; // its caller writes it alone, waiting for the lock (see answer)
      } else {
        r.failure = e;
      }
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>The deliveries are written by a single statement on the caller's connection, in whatever
   * transaction it has open (on an auto-commit connection the statement commits by itself, still
   * all or nothing). The connection must reach the database this store was built for; the store
   * neither commits, rolls back nor closes it.
   *
   * @throws IllegalArgumentException if a delivery is not {@code PENDING} with a due time
   * @throws dev.hookline.EventConflictException if an event's id names a different event (see
   *     {@link dev.hookline.spi.Store#enqueue(List)}); nothing of this call is left, and the
   *     caller's transaction may go on
   * @throws StoreException if a statement fails (the caller's transaction is then aborted and must
   *     be rolled back)
   */
  @Override
  public List<Delivery> enqueue(Connection connection, List<Delivery> deliveries) {
    Objects.requireNonNull(connection, "connection");
    List<Delivery> batch = validated(deliveries);
    if (batch.isEmpty()) {
      return List.of();
    }
    try {
      List<Delivery> added = enqueueOn(connection, batch, Map.of(), sql.enqueue);
      if (!added.isEmpty()) {
        // Wakes every dispatcher on this schema when the caller commits, instead of at its next
        // poll; nothing is sent if the caller rolls back.
        WebhookChangeFeed.notifyDeliveriesQueued(connection, channel);
      }
      return added;
    } catch (SQLException e) {
      StoreException wrapped =
          SqlErrors.wrap("enqueue " + batch.size() + " deliveries in the caller's transaction", e);
      if (wrapped.reason() != StoreException.Reason.SCHEMA) {
        throw wrapped;
      }
      // The store found its tables when it was built: through the caller's connection they are
      // missing, most likely because it reaches another database (the application's own).
      throw new StoreException(
          wrapped.reason(),
          wrapped.operation(),
          wrapped.getMessage()
              + "; the caller's connection does not see them: check that it reaches the database"
              + " this store was built for (schema "
              + schema
              + ")",
          wrapped.sqlState().orElse(null),
          e);
    }
  }

  /** Checks every delivery, then drops repeats (first wins) and truncates times to micros. */
  private static List<Delivery> validated(List<Delivery> deliveries) {
    List<Delivery> all = List.copyOf(deliveries);
    for (Delivery d : all) {
      if (d.state() != DeliveryState.PENDING || d.nextAttemptAt().isEmpty()) {
        throw new IllegalArgumentException(
            "enqueue takes PENDING deliveries with a due time; delivery "
                + d.id()
                + " is "
                + d.state()
                + (d.nextAttemptAt().isEmpty() ? " without a due time" : ""));
      }
      if (!d.attempts().isEmpty() || d.lease().isPresent()) {
        throw new IllegalArgumentException(
            "enqueue takes new deliveries; delivery " + d.id() + " has attempts or a lease");
      }
    }
    Set<String> ids = new HashSet<>();
    Set<String> pairs = new HashSet<>();
    List<Delivery> out = new ArrayList<>(all.size());
    for (Delivery d : all) {
      if (ids.add(d.id()) && pairs.add(d.event().id() + "\u0000" + d.webhookId())) {
        out.add(atDatabasePrecision(d));
      }
    }
    return out;
  }

  private static Delivery atDatabasePrecision(Delivery d) {
    Event e = d.event();
    Instant next = d.nextAttemptAt().orElseThrow();
    if (e.occurredAt().equals(Rows.micros(e.occurredAt()))
        && next.equals(Rows.micros(next))
        && d.createdAt().equals(Rows.micros(d.createdAt()))
        && d.updatedAt().equals(Rows.micros(d.updatedAt()))) {
      return d;
    }
    Event event =
        e.occurredAt().equals(Rows.micros(e.occurredAt()))
            ? e
            : e.toBuilder().occurredAt(Rows.micros(e.occurredAt())).build();
    return new Delivery(
        d.id(),
        d.webhookId(),
        event,
        d.state(),
        d.attempts(),
        Optional.of(Rows.micros(next)),
        Rows.micros(d.createdAt()),
        Rows.micros(d.updatedAt()),
        d.lease(),
        d.publishContext());
  }

  /**
   * Writes a batch on {@code c} by {@code statement}: {@link Sql#enqueue}, or {@link
   * Sql#enqueueBounded} on the store's own connections for a grouped write.
   */
  private List<Delivery> enqueueOn(
      Connection c, List<Delivery> batch, Map<String, ClaimRequest> claims, String statement)
      throws SQLException {
    int n = batch.size();
    @Nullable String[] leaseOwners = new String[n];
    @Nullable String[] leaseExpiries = new String[n];
    String[] ids = new String[n];
    String[] eventIds = new String[n];
    String[] webhookIds = new String[n];
    String[] next = new String[n];
    String[] created = new String[n];
    String[] updated = new String[n];
    @Nullable String[] contexts = new String[n];
    Map<String, Delivery> firstByEvent = new LinkedHashMap<>();
    Rows.Timestamps times = new Rows.Timestamps();
    for (int i = 0; i < n; i++) {
      Delivery d = batch.get(i);
      ids[i] = d.id();
      eventIds[i] = d.event().id();
      webhookIds[i] = d.webhookId();
      next[i] = times.text(d.nextAttemptAt().orElseThrow());
      created[i] = times.text(d.createdAt());
      updated[i] = times.text(d.updatedAt());
      contexts[i] = d.publishContext().orElse(null);
      ClaimRequest claim = claims.get(d.id());
      if (claim != null) {
        leaseOwners[i] = claim.owner();
        leaseExpiries[i] = Rows.micros(claim.leaseExpiry()).toString();
      }
      Delivery first = firstByEvent.putIfAbsent(d.event().id(), d);
      if (first != null && !SameEvent.of(first.event(), d.event())) {
        throw new EventConflictException(d.event().id());
      }
    }
    int m = firstByEvent.size();
    String[] evIds = new String[m];
    String[] types = new String[m];
    String[] displayNames = new String[m];
    Boolean[] subscribable = new Boolean[m];
    String[] occurred = new String[m];
    String[] users = new String[m];
    @Nullable String[] apps = new String[m];
    @Nullable String[] tenants = new String[m];
    String[] data = new String[m];
    String[] changed = new String[m];
    String[] evCreated = new String[m];
    int j = 0;
    // In id order: a republished event's row is locked as it is compared (ON CONFLICT DO UPDATE),
    // and enqueues that lock rows in one order cannot deadlock on them.
    List<Delivery> byEventId = new ArrayList<>(firstByEvent.values());
    byEventId.sort(Comparator.comparing(d -> d.event().id()));
    for (Delivery d : byEventId) {
      Event e = d.event();
      evIds[j] = e.id();
      types[j] = e.type().wireName();
      displayNames[j] = e.type().displayName();
      subscribable[j] = e.type().subscribable();
      occurred[j] =
          times.text(Rows.micros(e.occurredAt())); // truncated, as the in-memory store compares
      users[j] = e.subject().userId();
      apps[j] = e.subject().appId().orElse(null);
      tenants[j] = e.subject().tenant().orElse(null);
      data[j] = Rows.json(e.data());
      knownEvents.remember(e, data[j]);
      changed[j] = Rows.jsonArray(e.changedAttributes());
      evCreated[j] = times.text(d.createdAt());
      j++;
    }
    Map<String, Long> added = new HashMap<>();
    List<String> insertedEvents = new ArrayList<>();
    String refused = null;
    for (int tries = 1; ; tries++) {
      List<String> differing = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(statement)) {
        int i = 1;
        for (Object[] column :
            new Object[][] {
              ids,
              eventIds,
              webhookIds,
              next,
              created,
              updated,
              contexts,
              leaseOwners,
              leaseExpiries
            }) {
          ps.setArray(i++, c.createArrayOf("text", column));
        }
        ps.setArray(i++, c.createArrayOf("text", evIds));
        ps.setArray(i++, c.createArrayOf("text", types));
        ps.setArray(i++, c.createArrayOf("text", displayNames));
        ps.setArray(i++, c.createArrayOf("bool", subscribable));
        for (Object[] column :
            new Object[][] {occurred, users, apps, tenants, data, changed, evCreated}) {
          ps.setArray(i++, c.createArrayOf("text", column));
        }
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            int kind = rs.getInt(3);
            if (kind == 1) {
              insertedEvents.add(rs.getString(1));
              continue;
            }
            if (kind == 2) {
              differing.add(rs.getString(1));
              continue;
            }
            long token = rs.getLong(2);
            added.put(rs.getString(1), rs.wasNull() ? null : token);
          }
        }
      }
      if (differing.isEmpty()) {
        break;
      }
      // The statement compares data that differs as text through jsonb, which cannot hold an
      // escaped NUL nor a number beyond PostgreSQL's numeric range: it returns such an event as
      // different, and it is compared here as the in-memory store compares. If every one is the
      // same event, the statement runs again with the stored data's text, which it finds equal
      // (again, and at most twice more, if a stored event was replaced meanwhile).
      Map<String, String> storedData =
          tries < SAME_EVENT_TRIES ? storedTextIfSame(c, differing, firstByEvent) : null;
      if (storedData == null) {
        refused = differing.get(0);
        break;
      }
      for (int k = 0; k < m; k++) {
        String stored = storedData.get(evIds[k]);
        if (stored != null) {
          data[k] = stored;
        }
      }
    }
    if (refused != null) {
      // No delivery was added; the events this statement inserted for the batch go again (a
      // caller's transaction goes on without them).
      if (!insertedEvents.isEmpty()) {
        try (PreparedStatement drop = c.prepareStatement(sql.dropOrphanEvents)) {
          drop.setArray(1, c.createArrayOf("text", insertedEvents.toArray(new String[0])));
          drop.executeUpdate();
        } catch (SQLException e) {
          // On an auto-commit connection the events were committed with the statement, and a
          // publish of one of them may have used it meanwhile (23503): it stays, rightly.
          if (!"23503".equals(e.getSQLState()) || !c.getAutoCommit()) {
            throw e;
          }
        }
      }
      throw new EventConflictException(refused);
    }
    List<Delivery> out = new ArrayList<>(added.size());
    for (Delivery d : batch) {
      if (!added.containsKey(d.id())) {
        continue;
      }
      Long token = added.get(d.id());
      ClaimRequest claim = claims.get(d.id());
      if (token == null || claim == null) {
        out.add(d);
      } else {
        Lease lease = new Lease(d.id(), claim.owner(), token, Rows.micros(claim.leaseExpiry()));
        out.add(d.leasedTo(lease, d.updatedAt()));
      }
    }
    return out;
  }

  /**
   * How often an enqueue runs its statement when the stored events it returned as different turn
   * out to be the same events (see {@link #storedTextIfSame}).
   */
  private static final int SAME_EVENT_TRIES = 3;

  /**
   * Compares the stored events of the given ids with the batch's, as {@link SameEvent} does, for
   * the events the enqueue statement returned as different: it compares their data as jsonb, which
   * cannot hold every event's data.
   *
   * @return the stored data's text by event id if every stored event is the same as the batch's
   *     (none for an id no longer stored), null if one differs or cannot be read
   */
  private @Nullable Map<String, String> storedTextIfSame(
      Connection c, List<String> eventIds, Map<String, Delivery> batch) throws SQLException {
    Map<String, String> out = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement(sql.storedEvents)) {
      ps.setArray(1, c.createArrayOf("text", eventIds.toArray(new String[0])));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Delivery mine = batch.get(rs.getString("event_id"));
          Event stored;
          try {
            stored = Rows.storedEvent(rs);
          } catch (SQLException e) {
            if (!Rows.isRowData(e)) {
              throw e;
            }
            return null; // a stored event this library cannot read is not shown to be the same
          } catch (RuntimeException e) {
            return null;
          }
          if (mine == null || !SameEvent.of(stored, mine.event())) {
            return null;
          }
          out.put(stored.id(), rs.getString("data"));
        }
      }
    }
    return out;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Expired leases are taken first, then first attempts, then retries (as the request's lane
   * allows), each by one {@code UPDATE … FROM (SELECT … FOR UPDATE SKIP LOCKED)} statement, so
   * concurrent claimers in any number of processes never wait for each other nor receive the same
   * delivery. A claim of more than one statement ({@link Lane#ANY}) runs them in one transaction:
   * if it fails, nothing is leased.
   *
   * @throws StoreException if the database fails
   */
  @Override
  public List<ClaimedDelivery> claim(ClaimRequest request) {
    Objects.requireNonNull(request, "request");
    boolean excluding = !request.excludedWebhookIds().isEmpty();
    if (request.lane() != Lane.ANY) {
      // One statement: nothing of it committed if it failed, so it may run again.
      return runHot(
          "claim deliveries",
          c -> {
            List<ClaimedDelivery> out = new ArrayList<>();
            claimLane(c, request.lane(), request, out);
            return out;
          });
    }
    // More than one statement: in one transaction, so that a claim that fails leaves nothing
    // leased (on an auto-commit connection, a later statement's failure left the deliveries of the
    // earlier ones in flight, unsent, until their leases expired).
    if (request.capsWebhooks()) {
      // Capped across both lanes: first attempts, then retries counting what the first took.
      return transaction(
          "claim deliveries",
          c -> {
            List<ClaimedDelivery> out = new ArrayList<>();
            claimLane(c, Lane.FIRST_ATTEMPTS, request, out);
            claimLane(c, Lane.RETRIES, request, out);
            return out;
          });
    }
    return transaction(
        "claim deliveries",
        c -> {
          List<ClaimedDelivery> out = new ArrayList<>();
          claimInto(c, sql.claim(true, Lane.ANY, excluding), request, out);
          claimInto(c, sql.claim(false, Lane.FIRST_ATTEMPTS, excluding), request, out);
          claimInto(c, sql.claim(false, Lane.RETRIES, excluding), request, out);
          return out;
        });
  }

  /**
   * A lane's expired leases and queued deliveries, in one statement, up to what the request has
   * left after {@code out}; capped per webhook if the request caps, counting what {@code out} holds
   * of each webhook.
   */
  private void claimLane(Connection c, Lane lane, ClaimRequest request, List<ClaimedDelivery> out)
      throws SQLException {
    int remaining = request.maxDeliveries() - out.size();
    if (remaining <= 0) {
      return;
    }
    boolean capped = request.capsWebhooks();
    String statement = sql.claimLane(lane, !request.excludedWebhookIds().isEmpty(), capped);
    try (PreparedStatement ps = c.prepareStatement(statement)) {
      java.sql.Array excluded =
          request.excludedWebhookIds().isEmpty()
              ? null
              : c.createArrayOf("text", request.excludedWebhookIds().toArray());
      int i = 1;
      for (int branch = 0; branch < 2; branch++) {
        ps.setObject(i++, Rows.ts(request.now()));
        if (excluded != null) {
          ps.setArray(i++, excluded);
        }
        ps.setInt(i++, remaining);
      }
      if (capped) {
        Map<String, Integer> taken = new HashMap<>();
        for (ClaimedDelivery cd : out) {
          taken.merge(cd.delivery().webhookId(), 1, Integer::sum);
        }
        ps.setArray(i++, c.createArrayOf("text", taken.keySet().toArray()));
        ps.setArray(i++, c.createArrayOf("integer", taken.values().toArray()));
        ps.setInt(i++, request.maxPerWebhook());
      }
      ps.setInt(i++, remaining);
      ps.setString(i++, request.owner());
      ps.setObject(i++, Rows.ts(request.leaseExpiry()));
      ps.setObject(i++, Rows.ts(request.now()));
      try (ResultSet rs = ps.executeQuery()) {
        readClaimed(rs, out);
      }
    }
  }

  private void claimInto(Connection c, String sql, ClaimRequest request, List<ClaimedDelivery> out)
      throws SQLException {
    int remaining = request.maxDeliveries() - out.size();
    if (remaining <= 0) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      int i = 1;
      ps.setObject(i++, Rows.ts(request.now()));
      if (!request.excludedWebhookIds().isEmpty()) {
        ps.setArray(i++, c.createArrayOf("text", request.excludedWebhookIds().toArray()));
      }
      ps.setInt(i++, remaining);
      ps.setString(i++, request.owner());
      ps.setObject(i++, Rows.ts(request.leaseExpiry()));
      ps.setObject(i++, Rows.ts(request.now()));
      try (ResultSet rs = ps.executeQuery()) {
        readClaimed(rs, out);
      }
    }
  }

  /**
   * Reads the rows a claim statement returned. The claim commits whatever this reads, so a row that
   * cannot be read back as a delivery (an attempt's error kind written by a newer library during a
   * rolling upgrade, attempts not as this library writes them) must not fail the others: they are
   * leased to the caller and would wait for their leases to expire, again at every expiry. Such a
   * row is left out, logged by id only (never its data), and stays under the claim's lease: it is
   * offered again once per lease, to any instance, one that can read it included.
   */
  private void readClaimed(ResultSet rs, List<ClaimedDelivery> out) throws SQLException {
    Map<String, Event> events = new HashMap<>();
    while (rs.next()) {
      Delivery d;
      try {
        d = Rows.delivery(rs, events, knownEvents);
      } catch (SQLException e) {
        if (!Rows.isRowData(e)) {
          throw e; // the connection or the driver failed, not the row's data
        }
        // The message names the delivery, its event and the class of the failure, never the
        // row's data.
        log.error(
            "claimed delivery {} of event {} cannot be read by this Hookline; it is left in flight"
                + " until its lease expires and is then claimed again, by this or another"
                + " instance: {}",
            rs.getString("id"),
            rs.getString("event_id"),
            e.getMessage());
        continue;
      }
      out.add(new ClaimedDelivery(d, d.lease().orElseThrow()));
    }
  }

  /**
   * {@inheritDoc}
   *
   * @throws StoreException if the database fails
   */
  @Override
  public boolean complete(Lease lease, Attempt attempt, Instant now) {
    return finish(lease, DeliveryState.SUCCEEDED, attempt, null, now);
  }

  /**
   * {@inheritDoc}
   *
   * <p>The outcome joins the grouped outcome write like {@link #complete}'s, but the caller does
   * not wait for it: if no write is running, the calling thread leads one now (and any that follow
   * while outcomes keep arriving); otherwise the running write's leader carries it. The stage
   * completes on the thread that led the write, exceptionally with a {@link StoreException} if the
   * database failed.
   */
  @Override
  public CompletionStage<Boolean> completeAsync(Lease lease, Attempt attempt, Instant now) {
    Outcome outcome = outcome(lease, DeliveryState.SUCCEEDED, attempt, null, now);
    CompletableFuture<Boolean> answer = new CompletableFuture<>();
    outcomes.submitAsync(
        outcome,
        (recorded, failure) -> {
          if (failure == null) {
            answer.complete(recorded);
          } else {
            answer.completeExceptionally(forDelivery(lease, failure));
          }
        });
    return answer;
  }

  /**
   * {@inheritDoc}
   *
   * @throws StoreException if the database fails
   */
  @Override
  public boolean reschedule(Lease lease, Attempt attempt, Instant nextAttemptAt, Instant now) {
    Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
    return finish(lease, DeliveryState.RETRYING, attempt, nextAttemptAt, now);
  }

  /**
   * {@inheritDoc}
   *
   * @throws StoreException if the database fails
   */
  @Override
  public boolean fail(Lease lease, Attempt attempt, Instant now) {
    return finish(lease, DeliveryState.FAILED, attempt, null, now);
  }

  private boolean finish(
      Lease lease,
      DeliveryState state,
      Attempt attempt,
      @Nullable Instant nextAttemptAt,
      Instant now) {
    Outcome outcome = outcome(lease, state, attempt, nextAttemptAt, now);
    try {
      return outcomes.submit(outcome);
    } catch (RuntimeException e) {
      throw forDelivery(lease, e);
    }
  }

  private static Outcome outcome(
      Lease lease,
      DeliveryState state,
      Attempt attempt,
      @Nullable Instant nextAttemptAt,
      Instant now) {
    Objects.requireNonNull(lease, "lease");
    Objects.requireNonNull(attempt, "attempt");
    Objects.requireNonNull(now, "now");
    return new Outcome(
        lease.deliveryId(),
        lease.token(),
        state.name(),
        Rows.attemptArray(attempt),
        nextAttemptAt == null ? null : Rows.micros(nextAttemptAt).toString(),
        Rows.micros(now).toString());
  }

  /**
   * Every caller in a failed batch gets its own exception, naming its own delivery; anything else
   * (a bug, not the database) is passed on as it is.
   */
  private static RuntimeException forDelivery(Lease lease, RuntimeException e) {
    if (!(e instanceof StoreException se)) {
      return e;
    }
    return new StoreException(
        se.reason(),
        "record the outcome of delivery " + lease.deliveryId(),
        se.getMessage() + "",
        se.sqlState().orElse(null),
        se);
  }

  /**
   * A delivery id and lease token: a lease an outcome of the grouped statement is written under, or
   * one the statement returned as recorded.
   */
  private record Recorded(String deliveryId, long token) {}

  /** One attempt's outcome, as the group-commit statement takes it. */
  private record Outcome(
      String deliveryId,
      long token,
      String state,
      String attempt,
      @Nullable String nextAttemptAt,
      String now) {}

  /**
   * Records a batch of outcomes in one statement (several workers finishing at once share one round
   * trip and one commit); each is recorded only under its current lease.
   */
  private boolean[] finishAll(List<Outcome> batch) {
    try {
      return finishTogether(batch);
    } catch (RuntimeException e) {
      if (batch.size() == 1 || !(oneCallersData(e) || lostAConflict(e))) {
        throw e;
      }
      // One outcome's data was refused, or the write lost a deadlock to another transaction
      // holding some of its rows: the outcomes are written alone, each with its own answer, rather
      // than all failing (and being sent again) because of it.
      boolean[] recorded = new boolean[batch.size()];
      @Nullable RuntimeException[] failures = new RuntimeException[batch.size()];
      for (int i = 0; i < batch.size(); i++) {
        try {
          recorded[i] = finishTogether(List.of(batch.get(i)))[0];
        } catch (RuntimeException alone) {
          failures[i] = alone;
        }
      }
      throw new GroupCommit.PartialFailure(recorded, failures);
    }
  }

  /**
   * Writes the outcomes in one statement. Of several outcomes under one lease (a {@link
   * #completeAsync} and then a {@link #complete} for it, or two threads finishing it at once), only
   * the first is written and each later one is answered false, as if it came after the first had
   * ended the lease: the statement would update the row once, with whichever of them PostgreSQL met
   * first, and return it once, which told every one of them it was recorded.
   */
  private boolean[] finishTogether(List<Outcome> batch) {
    List<Outcome> writes = new ArrayList<>(batch.size());
    boolean[] first = new boolean[batch.size()];
    Set<Recorded> leases = new HashSet<>(2 * batch.size());
    for (int i = 0; i < batch.size(); i++) {
      Outcome o = batch.get(i);
      if (leases.add(new Recorded(o.deliveryId(), o.token()))) {
        first[i] = true;
        writes.add(o);
      }
    }
    String operation =
        writes.size() == 1
            ? "record the outcome of delivery " + writes.get(0).deliveryId()
            : "record the outcomes of " + writes.size() + " deliveries";
    Set<Recorded> recorded =
        runHot(
            operation,
            c -> {
              int n = writes.size();
              String[] ids = new String[n];
              Long[] tokens = new Long[n];
              String[] states = new String[n];
              String[] attempts = new String[n];
              @Nullable String[] next = new String[n];
              String[] times = new String[n];
              for (int i = 0; i < n; i++) {
                Outcome o = writes.get(i);
                ids[i] = o.deliveryId();
                tokens[i] = o.token();
                states[i] = o.state();
                attempts[i] = o.attempt();
                next[i] = o.nextAttemptAt();
                times[i] = o.now();
              }
              try (PreparedStatement ps = c.prepareStatement(sql.finishMany)) {
                CustomPlans.request(ps); // see CustomPlans: a cached generic plan scans the table
                ps.setArray(1, c.createArrayOf("text", ids));
                ps.setArray(2, c.createArrayOf("bigint", tokens));
                ps.setArray(3, c.createArrayOf("text", states));
                ps.setArray(4, c.createArrayOf("text", attempts));
                ps.setArray(5, c.createArrayOf("text", next));
                ps.setArray(6, c.createArrayOf("text", times));
                Set<Recorded> out = new HashSet<>(2 * n);
                try (ResultSet rs = ps.executeQuery()) {
                  while (rs.next()) {
                    out.add(new Recorded(rs.getString(1), rs.getLong(2)));
                  }
                }
                return out;
              }
            });
    boolean[] result = new boolean[batch.size()];
    for (int i = 0; i < result.length; i++) {
      result[i] =
          first[i]
              && recorded.contains(new Recorded(batch.get(i).deliveryId(), batch.get(i).token()));
    }
    return result;
  }

  /**
   * {@inheritDoc}
   *
   * @throws StoreException if the database fails
   */
  @Override
  public boolean release(Lease lease, Instant nextAttemptAt, Instant now) {
    Objects.requireNonNull(lease, "lease");
    Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
    Objects.requireNonNull(now, "now");
    return run(
        "release delivery " + lease.deliveryId(),
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql.release)) {
            ps.setObject(1, Rows.ts(nextAttemptAt));
            ps.setObject(2, Rows.ts(now));
            ps.setString(3, lease.deliveryId());
            ps.setLong(4, lease.token());
            return ps.executeUpdate() == 1;
          }
        });
  }

  /**
   * {@inheritDoc}
   *
   * @throws StoreException if the database fails
   */
  @Override
  public boolean requeue(String deliveryId, Instant nextAttemptAt, Instant now) {
    Objects.requireNonNull(deliveryId, "deliveryId");
    Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
    Objects.requireNonNull(now, "now");
    return run(
        "requeue delivery " + deliveryId,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql.requeue)) {
            ps.setObject(1, Rows.ts(nextAttemptAt));
            ps.setObject(2, Rows.ts(now));
            ps.setString(3, deliveryId);
            return ps.executeUpdate() == 1;
          }
        });
  }

  /** How many deliveries one statement of {@link #requeueAll} requeues at most. */
  private static final int REQUEUE_BATCH = 1_000;

  /**
   * Requeues each finished delivery of {@code ids} due at its time in {@code dues}, a thousand per
   * statement (each committed on its own, as {@link #requeue} is); a row another transaction holds
   * at that moment is skipped.
   */
  private int requeueAll(List<String> ids, List<Instant> dues, Instant now) {
    int requeued = 0;
    for (int from = 0; from < ids.size(); from += REQUEUE_BATCH) {
      int to = Math.min(ids.size(), from + REQUEUE_BATCH);
      String[] batch = ids.subList(from, to).toArray(new String[0]);
      String[] due = new String[batch.length];
      Rows.Timestamps times = new Rows.Timestamps();
      for (int i = 0; i < batch.length; i++) {
        due[i] = times.text(Rows.micros(dues.get(from + i)));
      }
      requeued +=
          run(
              "requeue " + batch.length + " deliveries",
              c -> {
                int n = 0;
                try (PreparedStatement ps = c.prepareStatement(sql.requeueMany)) {
                  ps.setArray(1, c.createArrayOf("text", batch));
                  ps.setArray(2, c.createArrayOf("text", due));
                  ps.setObject(3, Rows.ts(now));
                  try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                      n++;
                    }
                  }
                }
                return n;
              });
    }
    return requeued;
  }

  // ---- queries and housekeeping ----

  /**
   * {@inheritDoc}
   *
   * @throws StoreException if the database fails
   */
  @Override
  public Optional<Delivery> findDelivery(String deliveryId) {
    Objects.requireNonNull(deliveryId, "deliveryId");
    return run(
        "find delivery " + deliveryId,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT "
                      + Rows.DELIVERY_COLUMNS
                      + " FROM "
                      + q
                      + ".deliveries d JOIN "
                      + q
                      + ".events e ON e.id = d.event_id WHERE d.id = ?")) {
            ps.setString(1, deliveryId);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(Rows.delivery(rs)) : Optional.empty();
            }
          }
        });
  }

  /**
   * {@inheritDoc}
   *
   * @throws StoreException if the database fails
   */
  @Override
  public List<Delivery> findDeliveries(DeliveryQuery query) {
    return findDeliveries(Objects.requireNonNull(query, "query"), null, null);
  }

  /**
   * The deliveries of a query, after the position (createdAt, afterId) if one is given.
   *
   * <p>A row this library cannot read back (event data holding a number Jackson cannot read, such
   * as {@code 1E+2147483648}, written by an older version or another writer; an attempt's error
   * kind from a newer library) is left out, with an ERROR naming the delivery and its event (never
   * the data), as {@link #listWebhooks()} leaves out a webhook whose secret does not decrypt: it
   * failed the whole listing, and with it every page of the admin API's delivery log that reached
   * it. The rows after it are read in its place, so that a page is short only at the end of the
   * listing (a short page is its end to the admin API's pager).
   */
  private List<Delivery> findDeliveries(
      DeliveryQuery query, @Nullable Instant createdAt, @Nullable String afterId) {
    List<String> leftOut = new ArrayList<>();
    List<Delivery> found =
        run(
            "find deliveries",
            c -> {
              leftOut.clear();
              List<Delivery> out = new ArrayList<>();
              Instant at = createdAt;
              String after = afterId;
              while (true) {
                int wanted = query.limit() - out.size();
                List<Object> params = new ArrayList<>();
                String sql = findDeliveriesSql(q, withLimit(query, wanted), at, after, params);
                int read = 0;
                boolean skipped = false;
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                  for (int i = 0; i < params.size(); i++) {
                    ps.setObject(i + 1, params.get(i));
                  }
                  try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                      read++;
                      try {
                        out.add(Rows.delivery(rs));
                      } catch (SQLException e) {
                        if (!Rows.isRowData(e)) {
                          throw e;
                        }
                        leftOut.add(e.getMessage()); // ids and a class name, never the data
                        skipped = true;
                      }
                      at = rs.getObject("created_at", OffsetDateTime.class).toInstant();
                      after = rs.getString("id");
                    }
                  }
                }
                if (!skipped || read < wanted) {
                  return out;
                }
              }
            });
    for (String why : leftOut) {
      log.error(
          "find deliveries: a delivery is left out of the listing until its row is repaired: {}",
          why);
    }
    return found;
  }

  /** The query with another limit. */
  private static DeliveryQuery withLimit(DeliveryQuery query, int limit) {
    return limit == query.limit()
        ? query
        : new DeliveryQuery(
            query.webhookId(),
            query.eventId(),
            query.states(),
            query.createdFrom(),
            query.createdBefore(),
            query.tenant(),
            limit);
  }

  /**
   * The listing statement of a query, newest first, and its parameters (added to {@code params} in
   * order).
   *
   * <p>A webhook's deliveries (without an event id, which the unique index finds directly) are read
   * from {@code deliveries_webhook_state}, the one per-webhook index: one branch per state asked
   * for (every state if none is), each newest first from the index and stopped at the limit, merged
   * by PostgreSQL's Merge Append. So listing any mix of states costs as many short index scans,
   * however long the webhook's history and however rare the state, and each delivery written pays
   * for one per-webhook index instead of two (every update of a delivery adds an entry to each).
   */
  static String findDeliveriesSql(String q, DeliveryQuery query, List<Object> params) {
    return findDeliveriesSql(q, query, null, null, params);
  }

  /**
   * The listing statement of a query after a position, newest first: with {@code createdAt} and
   * {@code afterId}, only the rows after ({@code createdAt}, {@code afterId}) in the listing's
   * order, created before {@code createdAt} or at it with an id byte-wise smaller. The index reads
   * start at {@code createdAt} (a range condition on the indexes' created_at); only the rows of
   * that one instant are compared by id, as the listing's Incremental Sort sorts them anyway, so a
   * page deep among the many rows of one instant costs what the first page of them does.
   */
  static String findDeliveriesSql(
      String q,
      DeliveryQuery query,
      @Nullable Instant createdAt,
      @Nullable String afterId,
      List<Object> params) {
    StringBuilder filters = new StringBuilder();
    List<Object> filterParams = new ArrayList<>();
    if (createdAt != null && afterId != null) {
      // Stored times are whole microseconds: "at or before" a finer createdAt is at or before its
      // microsecond, and no row is at it exactly (the second bound, rounded up, is then true).
      filters.append(" AND d.created_at <= ? AND (d.created_at < ? OR d.id " + BYTEWISE + " < ?)");
      filterParams.add(Rows.atOrBefore(createdAt));
      filterParams.add(Rows.bound(createdAt));
      filterParams.add(afterId);
    }
    query.createdFrom().ifPresent(x -> filters.append(" AND d.created_at >= ?"));
    query.createdFrom().ifPresent(x -> filterParams.add(Rows.bound(x)));
    query.createdBefore().ifPresent(x -> filters.append(" AND d.created_at < ?"));
    query.createdBefore().ifPresent(x -> filterParams.add(Rows.bound(x)));
    query.tenant().ifPresent(x -> filters.append(" AND d.tenant = ?"));
    query.tenant().ifPresent(filterParams::add);
    String order = " ORDER BY d.created_at DESC, d.id " + BYTEWISE + " DESC LIMIT ?";
    StringBuilder sql = new StringBuilder("SELECT ").append(Rows.DELIVERY_COLUMNS).append(" FROM ");
    if (query.webhookId().isPresent() && query.eventId().isEmpty()) {
      Set<DeliveryState> states =
          query.states().isEmpty() ? EnumSet.allOf(DeliveryState.class) : query.states();
      sql.append('(');
      String union = "";
      for (DeliveryState state : EnumSet.copyOf(states)) {
        // The state is an enum constant's name, written as a literal so that each branch is an
        // equality on the index's second column.
        sql.append(union)
            .append("(SELECT * FROM ")
            .append(q)
            .append(".deliveries d WHERE d.webhook_id = ? AND d.state = '")
            .append(state.name())
            .append('\'')
            .append(filters)
            .append(order)
            .append(')');
        params.add(query.webhookId().get());
        params.addAll(filterParams);
        params.add(query.limit());
        union = " UNION ALL ";
      }
      sql.append(") d JOIN ").append(q).append(".events e ON e.id = d.event_id");
    } else {
      // The page's deliveries first, then their events: the ids are sorted byte-wise, not in the
      // indexes' collation, so the rows of the newest instant are all read and sorted before the
      // limit applies, and joined there every delivery of a publish(List) read its event (tens of
      // thousands per page of 50).
      sql.append("(SELECT * FROM ").append(q).append(".deliveries d WHERE true");
      query.webhookId().ifPresent(x -> sql.append(" AND d.webhook_id = ?"));
      query.webhookId().ifPresent(params::add);
      query.eventId().ifPresent(x -> sql.append(" AND d.event_id = ?"));
      query.eventId().ifPresent(params::add);
      if (!query.states().isEmpty()) {
        sql.append(" AND d.state IN (");
        String comma = "";
        for (DeliveryState state : EnumSet.copyOf(query.states())) {
          sql.append(comma).append('\'').append(state.name()).append('\'');
          comma = ", ";
        }
        sql.append(')');
      }
      sql.append(filters);
      params.addAll(filterParams);
      sql.append(order).append(") d JOIN ").append(q).append(".events e ON e.id = d.event_id");
      params.add(query.limit());
    }
    sql.append(order);
    params.add(query.limit());
    return sql.toString();
  }

  /**
   * {@inheritDoc}
   *
   * @throws StoreException if the database fails
   */
  @Override
  public DeliveryCounts countDeliveries(String webhookId) {
    Objects.requireNonNull(webhookId, "webhookId");
    return countByState(
        "count deliveries of webhook " + webhookId,
        "SELECT state, count(*) FROM " + q + ".deliveries WHERE webhook_id = ? GROUP BY state",
        webhookId);
  }

  /** The deliveries of the webhooks, counted by state and summed, in one statement. */
  private DeliveryCounts countDeliveries(List<String> webhookIds) {
    String[] ids = webhookIds.toArray(new String[0]);
    return countByState(
        "count deliveries of " + ids.length + " webhooks",
        "SELECT d.state, count(*) FROM "
            + q
            + ".deliveries d JOIN unnest(?::text[]) AS k(id) ON d.webhook_id = k.id"
            + " GROUP BY d.state",
        ids);
  }

  /**
   * Runs a count of deliveries by state ({@code state, count} rows) with one parameter, a text or
   * (a {@code String[]}) a text array.
   */
  private DeliveryCounts countByState(String operation, String sql, Object parameter) {
    Map<DeliveryState, Long> counts =
        run(
            operation,
            c -> {
              try (PreparedStatement ps = c.prepareStatement(sql)) {
                if (parameter instanceof String[] texts) {
                  ps.setArray(1, c.createArrayOf("text", texts));
                } else {
                  ps.setObject(1, parameter);
                }
                try (ResultSet rs = ps.executeQuery()) {
                  Map<DeliveryState, Long> m = new EnumMap<>(DeliveryState.class);
                  while (rs.next()) {
                    m.put(DeliveryState.valueOf(rs.getString(1)), rs.getLong(2));
                  }
                  return m;
                }
              }
            });
    return counts(counts);
  }

  private static DeliveryCounts counts(Map<DeliveryState, Long> counts) {
    long total = counts.values().stream().mapToLong(Long::longValue).sum();
    return new DeliveryCounts(
        total,
        counts.getOrDefault(DeliveryState.PENDING, 0L),
        counts.getOrDefault(DeliveryState.IN_FLIGHT, 0L),
        counts.getOrDefault(DeliveryState.SUCCEEDED, 0L),
        counts.getOrDefault(DeliveryState.RETRYING, 0L),
        counts.getOrDefault(DeliveryState.FAILED, 0L));
  }

  /**
   * {@inheritDoc}
   *
   * <p>One transaction per call: it deletes at most {@code maxDeliveries} finished deliveries
   * (oldest first, skipping rows another purge holds), the events no delivery references any more,
   * and at most {@code maxDeliveries} events left behind by deleted webhooks that are older than
   * the cut-off.
   *
   * @throws StoreException if the database fails
   */
  @Override
  public int purge(Instant finishedBefore, int maxDeliveries) {
    Objects.requireNonNull(finishedBefore, "finishedBefore");
    if (maxDeliveries < 1) {
      throw new IllegalArgumentException("maxDeliveries must be at least 1, was " + maxDeliveries);
    }
    return transaction(
        "purge finished deliveries",
        c -> {
          List<String> eventIds = new ArrayList<>();
          try (PreparedStatement ps =
              c.prepareStatement(
                  "DELETE FROM "
                      + q
                      + ".deliveries WHERE id IN (SELECT id FROM "
                      + q
                      + ".deliveries WHERE state IN ('SUCCEEDED', 'FAILED') AND updated_at < ?"
                      + " ORDER BY updated_at LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING event_id")) {
            ps.setObject(1, Rows.bound(finishedBefore));
            ps.setInt(2, maxDeliveries);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                eventIds.add(rs.getString(1));
              }
            }
          }
          if (!eventIds.isEmpty()) {
            // SKIP LOCKED: an event row another transaction holds is being published again (an
            // enqueue locks it as it compares it, in a caller's transaction for as long as that
            // stays open). Waiting for it held this purge, and every publish of the events it had
            // already deleted, behind that transaction, and then failed the whole purge on the
            // foreign key of the delivery it added. A skipped event, if unused after all, goes
            // with the events left behind, below, in a later purge.
            try (PreparedStatement ps =
                c.prepareStatement(
                    "DELETE FROM "
                        + q
                        + ".events WHERE id IN (SELECT e.id FROM "
                        + q
                        + ".events e WHERE e.id = ANY(?::text[]) AND NOT EXISTS (SELECT 1 FROM "
                        + q
                        + ".deliveries d WHERE d.event_id = e.id) FOR UPDATE SKIP LOCKED)")) {
              ps.setArray(1, c.createArrayOf("text", eventIds.toArray()));
              ps.executeUpdate();
            }
          }
          try (PreparedStatement ps =
              c.prepareStatement(
                  "DELETE FROM "
                      + q
                      + ".events WHERE id IN (SELECT e.id FROM "
                      + q
                      + ".events e WHERE e.created_at < ? AND NOT EXISTS (SELECT 1 FROM "
                      + q
                      + ".deliveries d WHERE d.event_id = e.id) LIMIT ? FOR UPDATE SKIP LOCKED)")) {
            ps.setObject(1, Rows.bound(finishedBefore));
            ps.setInt(2, maxDeliveries);
            ps.executeUpdate();
          }
          return eventIds.size();
        });
  }

  /** Leaves the caller's DataSource open; the store holds no other resources. */
  @Override
  public void close() {}

  @Override
  public String toString() {
    return "PostgresStore[schema=" + schema + "]";
  }

  // ---- connection handling ----

  @FunctionalInterface
  private interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  /**
   * Runs one of the hot path's single statements (a lane's claim, an outcome write) as {@link
   * #run}, again with a fresh snapshot if it failed with a serialization failure (40001). That
   * happens only where the session's default isolation is REPEATABLE READ or SERIALIZABLE (which
   * {@code build()} warns about): the statement waited for a row another transaction then changed,
   * where READ COMMITTED would have re-read the row. The failed statement committed nothing, and
   * running it again is what READ COMMITTED does, without a round trip when nothing conflicts.
   */
  private <T> T runHot(String operation, Work<T> work) {
    for (int tries = 1; ; tries++) {
      try {
        return run(operation, work);
      } catch (StoreException e) {
        if (tries >= SERIALIZATION_TRIES || !e.sqlState().filter("40001"::equals).isPresent()) {
          throw e;
        }
        log.debug(
            "{}: serialization failure, trying again ({} of {})",
            operation,
            tries,
            SERIALIZATION_TRIES);
      }
    }
  }

  /**
   * Runs statements on a borrowed connection, returned before this method returns. A connection the
   * pool hands out with auto-commit off is committed (or rolled back) here.
   */
  private <T> T run(String operation, Work<T> work) {
    return run(operation, true, work);
  }

  /**
   * Runs statements as {@link #run(String, Work)}; {@code bounded}: under the store's network
   * timeout (see {@link #bound}), which a statement that waits for another transaction's locks by
   * design must not be.
   */
  private <T> T run(String operation, boolean bounded, Work<T> work) {
    try (Connection c = dataSource.getConnection()) {
      int before = bounded ? bound(c) : -1;
      try {
        if (c.getAutoCommit()) {
          return work.run(c);
        }
        try {
          T result = work.run(c);
          c.commit();
          return result;
        } catch (SQLException | RuntimeException e) {
          SqlErrors.rollbackQuietly(c, e);
          throw e;
        }
      } finally {
        unbind(c, before);
      }
    } catch (SQLException e) {
      throw SqlErrors.wrap(operation, e);
    }
  }

  /**
   * Bounds how long the store waits for an answer on a borrowed connection that has no socket
   * timeout of its own, and returns the timeout it had. A connection that stops answering (its
   * packets dropped by a failover or a firewall, a hung backend) would otherwise hold the statement
   * for as long as TCP retries, forever behind a black hole that acknowledges packets: and a
   * grouped outcome or enqueue write holds every worker's outcome or publish behind it, the claim
   * loop every claim. On the timeout the driver closes the connection and the statement fails as
   * {@code UNAVAILABLE}: nothing is acknowledged that was not committed, and the deliveries of a
   * failed outcome write stay in flight, to be sent again when their leases expire.
   */
  private int bound(Connection c) throws SQLException {
    try {
      int before = c.getNetworkTimeout();
      if (before == 0) {
        c.setNetworkTimeout(Runnable::run, networkTimeoutMillis);
      }
      return before;
    } catch (SQLFeatureNotSupportedException e) {
      return -1; // a pool's wrapper without it: the connection's own settings apply, as before
    }
  }

  /**
   * Gives the connection back its own timeout (a pool may not reset it). Quietly: called in a
   * {@code finally}, a failure here (a connection the driver closed on the timeout, behind a pool's
   * proxy that still reports it open) would replace the failure that broke it; and a broken
   * connection is discarded by the pool anyway.
   */
  private static void unbind(Connection c, int before) {
    if (before != 0) {
      return;
    }
    try {
      if (!c.isClosed()) {
        c.setNetworkTimeout(Runnable::run, 0);
      }
    } catch (SQLException e) {
      log.debug("could not restore the connection's network timeout: {}", e.toString());
    }
  }

  /** Runs statements in one transaction on a borrowed connection. */
  private <T> T transaction(String operation, Work<T> work) {
    return transaction(operation, true, work);
  }

  /**
   * Runs statements in one transaction on a borrowed connection; {@code bounded}: under the store's
   * network timeout (see {@link #bound}), which a transaction that waits for other transactions'
   * locks by design must not be.
   */
  private <T> T transaction(String operation, boolean bounded, Work<T> work) {
    try (Connection c = dataSource.getConnection()) {
      int before = bounded ? bound(c) : -1;
      boolean autoCommit = c.getAutoCommit();
      if (autoCommit) {
        c.setAutoCommit(false);
      } else {
        // A fresh transaction: a pool lending connections with auto-commit off may have begun one
        // with its validation query (a no-op round trip otherwise: the driver sends nothing).
        c.rollback();
      }
      try {
        readCommitted(c);
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        SqlErrors.rollbackQuietly(c, e);
        throw e;
      } finally {
        // Also after a failure: a pool that does not reset it would hand the host's next
        // borrower a connection whose writes are never committed.
        if (autoCommit) {
          restoreAutoCommit(c);
        }
        unbind(c, before);
      }
    } catch (SQLException e) {
      throw SqlErrors.wrap(operation, e);
    }
  }

  /**
   * Makes the transaction just begun READ COMMITTED, whatever the session's default (a role, a
   * database or a pool may default to REPEATABLE READ): the store's transactions rely on a
   * statement that waited for another transaction seeing what it committed, as deleting a webhook
   * relies on its second statement seeing the deliveries of the enqueues its first waited for.
   * Scoped to this transaction; the connection's default is left as it was.
   */
  private static void readCommitted(Connection c) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
    }
  }

  private static void restoreAutoCommit(Connection c) {
    try {
      c.setAutoCommit(true);
    } catch (SQLException e) {
      // The connection is broken; closing it hands it back, and a pool discards it.
      log.debug("could not turn auto-commit back on: {}", e.toString());
    }
  }

  /**
   * Builds a {@link PostgresStore}. Not thread-safe. {@link #build()} validates the settings and
   * brings the schema up to date.
   */
  public static final class Builder {
    private final DataSource dataSource;
    private @Nullable SecretCipher cipher;
    private String schema = DEFAULT_SCHEMA;
    private boolean migrate = true;
    private int networkTimeoutMillis = DEFAULT_NETWORK_TIMEOUT_MILLIS;

    private Builder(DataSource dataSource) {
      this.dataSource = dataSource;
    }

    /**
     * Sets the cipher for API keys and signing secrets. Required: the store never writes a secret
     * in plain text. Use {@link dev.hookline.store.AesGcmSecretCipher} with a key from the
     * application's secret manager.
     *
     * @param cipher the cipher
     * @return this builder
     */
    public Builder secretCipher(SecretCipher cipher) {
      this.cipher = Objects.requireNonNull(cipher, "cipher");
      return this;
    }

    /**
     * Sets the schema for Hookline's tables, so they never collide with the application's. Default
     * {@value PostgresStore#DEFAULT_SCHEMA}.
     *
     * @param schema 1 to 63 characters {@code a-z 0-9 _}, not starting with a digit
     * @return this builder
     */
    public Builder schema(String schema) {
      this.schema = Objects.requireNonNull(schema, "schema");
      return this;
    }

    /**
     * Sets whether {@link #build()} creates and upgrades the schema (the default), or only checks
     * that it is at the version this library needs (for deployments that run migrations separately,
     * or whose runtime user may not create tables).
     *
     * @param migrate true to migrate, false to verify only
     * @return this builder
     */
    public Builder migrateSchema(boolean migrate) {
      this.migrate = migrate;
      return this;
    }

    /** Shortens the wait for an answer, for tests of a connection that stops answering. */
    Builder networkTimeout(Duration timeout) {
      this.networkTimeoutMillis = Math.toIntExact(timeout.toMillis());
      return this;
    }

    /**
     * Validates the settings, migrates (or checks) the schema and returns the store.
     *
     * @return the store
     * @throws IllegalStateException if no secret cipher was set
     * @throws IllegalArgumentException if the schema name is malformed
     * @throws StoreException if the database is unreachable or the schema cannot be brought to this
     *     library's version
     */
    public PostgresStore build() {
      SecretCipher c = cipher;
      if (c == null) {
        throw new IllegalStateException(
            "secretCipher(...) is required: the PostgreSQL store never writes API keys or"
                + " signing secrets in plain text");
      }
      if (!SCHEMA_NAME.matcher(schema).matches()) {
        throw new IllegalArgumentException(
            "schema '"
                + schema
                + "' is malformed: use 1 to 63 characters a-z 0-9 _, not starting with a digit");
      }
      Migrations.migrate(dataSource, schema, migrate);
      return new PostgresStore(this, c);
    }
  }
}
