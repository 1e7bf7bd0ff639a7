package dev.hookline.store.jdbc.internal;

import dev.hookline.spi.Lane;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The store's SQL statements for one schema, built once. Public (inside an unexported package) so
 * that tests can EXPLAIN exactly the statements the store runs. Immutable and thread-safe.
 */
public final class Sql {
  private final String q;
  private final Map<String, String> claim = new HashMap<>();
  private final Map<String, String> claimLane = new HashMap<>();

  /** Inserts a webhook: every column, {@code id} and {@code tenant} last. */
  public final String insertWebhook;

  /**
   * Updates a webhook if its tenant and version are the expected ones: every column, id, tenant,
   * expected version.
   */
  public final String updateWebhook;

  /**
   * Adds deliveries and their events in one statement, each delivery queued or, with a lease owner
   * and expiry, claimed; returns the added delivery ids and the lease tokens of those claimed
   * (third column 0), then the ids of the events it inserted (1) and of the stored events that
   * differ from the batch's (2: then no delivery was added).
   */
  public final String enqueue;

  /**
   * {@link #enqueue}, waiting at most {@link #GROUPED_LOCK_TIMEOUT} for any lock (then failing with
   * SQLState 55P03): for the store's grouped writes, which must not hold every publish grouped with
   * them behind one conflicting transaction. Only on the store's own connections: the setting lasts
   * until the transaction ends.
   */
  public final String enqueueBounded;

  /**
   * How long {@link #enqueueBounded} waits for a lock: well above a conflicting statement's usual
   * run (another instance's grouped write of the same event), far below a transaction left open.
   */
  public static final Duration GROUPED_LOCK_TIMEOUT = Duration.ofMillis(300);

  /**
   * Deletes the events of the given ids that no delivery refers to: those a refused enqueue
   * inserted.
   */
  public final String dropOrphanEvents;

  /**
   * Reads stored events by id (parameter: an array of ids), in the columns {@link
   * Rows#DELIVERY_COLUMNS} names them: the events an {@link #enqueue} returned as different, which
   * the store compares again where jsonb cannot.
   */
  public final String storedEvents;

  /**
   * Takes the transaction's lock on one tenant's webhook count (parameter: the tenant), so that
   * concurrent creations count one after another.
   */
  public final String lockTenantWebhooks;

  /** Counts a tenant's webhooks (parameter: the tenant). */
  public final String countTenantWebhooks;

  /** What {@link #lockTenantWebhooks} puts before the tenant in its key: names the schema. */
  public final String tenantLockPrefix;

  /** Records an attempt's outcome under the current lease. */
  public final String finish;

  /**
   * Records the outcomes of many attempts, each under its current lease: arrays of delivery ids,
   * lease tokens, states, attempts (a JSON array of one), next attempt times and times; returns the
   * id and lease token of each outcome recorded.
   */
  public final String finishMany;

  /** Gives a leased delivery back unattempted. */
  public final String release;

  /** Queues a finished delivery again. */
  public final String requeue;

  /**
   * Queues finished deliveries again, each due at its own time: arrays of delivery ids and due
   * times, then the time; returns the ids requeued. A row another transaction holds is skipped.
   */
  public final String requeueMany;

  /**
   * Builds the statements.
   *
   * @param schema the validated schema name
   */
  public Sql(String schema) {
    this.q = Migrations.quote(schema);
    for (boolean expired : new boolean[] {true, false}) {
      for (Lane lane : Lane.values()) {
        for (boolean excluding : new boolean[] {true, false}) {
          claim.put(key(expired, lane, excluding), buildClaim(expired, lane, excluding));
        }
      }
    }
    for (Lane lane : new Lane[] {Lane.FIRST_ATTEMPTS, Lane.RETRIES}) {
      for (boolean excluding : new boolean[] {true, false}) {
        for (boolean capped : new boolean[] {true, false}) {
          claimLane.put(key(capped, lane, excluding), buildLaneClaim(lane, excluding, capped));
        }
      }
    }
    this.insertWebhook =
        "INSERT INTO "
            + q
            + ".webhooks (name, description, uri, api_key_enc, events, event_types, filter,"
            + " status, enabled, status_reason, signing_secrets, created_at, updated_at,"
            + " version, format, audience, id, tenant)"
            + " VALUES (?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?)";
    // The tenant is written once, on insert; an update must name the stored one.
    this.updateWebhook =
        "UPDATE "
            + q
            + ".webhooks SET name = ?, description = ?, uri = ?, api_key_enc = ?, events = ?,"
            + " event_types = ?::jsonb, filter = ?, status = ?, enabled = ?, status_reason = ?,"
            + " signing_secrets = ?::jsonb, created_at = ?, updated_at = ?, version = ?,"
            + " format = ?, audience = ?"
            + " WHERE id = ? AND tenant IS NOT DISTINCT FROM ? AND version = ?";
    // One statement, so it is atomic even on an auto-commit connection. Deliveries whose webhook
    // is gone are dropped by the join; FOR KEY SHARE keeps a webhook from being deleted until the
    // enqueuing transaction ends, and its deletion then deletes what was enqueued (there is no
    // foreign key to webhooks since migration 7: this lock is what keeps deliveries from
    // outliving their webhook). Events are written only for deliveries to webhooks that exist
    // (the events foreign key is deferred to commit).
    //
    // An event id names one event (Store#enqueue). An event already stored under an id of the
    // batch is compared by ON CONFLICT DO UPDATE's WHERE, which sees the latest committed row,
    // also one that another transaction inserted after this statement's snapshot (the insert
    // waits for it): a stored event that differs is "updated" to itself and returned as not
    // inserted, and then no delivery of the batch is inserted at all. The data is compared as
    // text first: the same event serialises the same way. Data that differs as text is compared
    // as jsonb, unless either side holds what jsonb refuses: an escaped NUL character (22P05), or
    // a number beyond PostgreSQL's numeric range (22003), which takes an exponent of at least five
    // digits (event data holds no number longer than 1,000 characters). Such an event is returned
    // as different, and the store compares it itself (storedEvents) before it reports a conflict.
    // Rows are inserted, and so locked, in id order (the store sorts the events too), so that
    // enqueues republishing the same events do not deadlock.
    String deliveries =
        "WITH dv AS (SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[],"
            + " ?::text[], ?::text[], ?::text[], ?::text[]) AS v(id, event_id, webhook_id,"
            + " next_attempt_at, created_at, updated_at, publish_context, lease_owner,"
            + " lease_expires_at)";
    String rest =
        " ev AS (SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::boolean[],"
            + " ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])"
            + " AS v(id, type, type_display_name, type_subscribable, occurred_at,"
            + " subject_user_id, subject_app_id, subject_tenant, data, changed, created_at)),"
            + " ins_events AS (INSERT INTO "
            + q
            + ".events AS e (id, type, type_display_name, type_subscribable, occurred_at,"
            + " subject_user_id, subject_app_id, subject_tenant, data, changed_attributes,"
            + " created_at)"
            + " SELECT ev.id, ev.type, ev.type_display_name, ev.type_subscribable,"
            + " ev.occurred_at::timestamptz, ev.subject_user_id, ev.subject_app_id,"
            + " ev.subject_tenant, ev.data::json,"
            + " ARRAY(SELECT jsonb_array_elements_text(ev.changed::jsonb)),"
            + " ev.created_at::timestamptz"
            + " FROM ev WHERE ev.id IN (SELECT dv.event_id FROM dv JOIN "
            + q
            + ".webhooks w ON w.id = dv.webhook_id) ORDER BY ev.id"
            + " ON CONFLICT (id) DO UPDATE SET type = e.type"
            + " WHERE e.type <> excluded.type OR e.occurred_at <> excluded.occurred_at"
            + " OR e.subject_user_id <> excluded.subject_user_id"
            + " OR e.subject_app_id IS DISTINCT FROM excluded.subject_app_id"
            + " OR e.subject_tenant IS DISTINCT FROM excluded.subject_tenant"
            + " OR e.changed_attributes <> excluded.changed_attributes"
            + " OR CASE WHEN e.data::text = excluded.data::text THEN false"
            + " WHEN strpos(e.data::text, '\\u0000') > 0"
            + " OR strpos(excluded.data::text, '\\u0000') > 0"
            + " OR e.data::text ~ '[eE][-+]?[0-9]{5}'"
            + " OR excluded.data::text ~ '[eE][-+]?[0-9]{5}' THEN true"
            + " ELSE e.data::jsonb <> excluded.data::jsonb END"
            + " RETURNING e.id, e.xmax = 0 AS inserted),"
            + " ins AS (INSERT INTO "
            + q
            + ".deliveries (id, event_id, webhook_id, state, attempt_count, attempts,"
            + " next_attempt_at, created_at, updated_at, tenant, publish_context, lease_owner,"
            + " lease_token, lease_expires_at)"
            + " SELECT dv.id, dv.event_id, dv.webhook_id,"
            + " CASE WHEN dv.lease_owner IS NULL THEN 'PENDING' ELSE 'IN_FLIGHT' END, 0,"
            + " '[]'::jsonb, dv.next_attempt_at::timestamptz, dv.created_at::timestamptz,"
            + " dv.updated_at::timestamptz, w.tenant, dv.publish_context, dv.lease_owner,"
            + " CASE WHEN dv.lease_owner IS NULL THEN NULL ELSE nextval('"
            + q
            + ".lease_tokens') END, dv.lease_expires_at::timestamptz"
            + " FROM dv JOIN "
            + q
            + ".webhooks w ON w.id = dv.webhook_id"
            + " WHERE NOT EXISTS (SELECT 1 FROM ins_events WHERE NOT inserted) FOR KEY SHARE OF w"
            + " ON CONFLICT DO NOTHING RETURNING id, lease_token)"
            + " SELECT id, lease_token, 0 FROM ins"
            + " UNION ALL SELECT id, NULL, CASE WHEN inserted THEN 1 ELSE 2 END FROM ins_events";
    this.enqueue = deliveries + ")," + rest;
    // The same, giving up on a lock after GROUPED_LOCK_TIMEOUT (55P03). The setting is made by an
    // InitPlan in dv's WHERE, so before dv yields its first row; every row the statement inserts
    // or locks comes from a row of dv (events only for deliveries of the batch), so no lock is
    // waited for before it is made. It is local to the transaction: it ends with the statement on
    // an auto-commit connection, and at the commit or rollback the store makes otherwise. One
    // statement, no round trip added.
    this.enqueueBounded =
        deliveries
            + " WHERE (SELECT set_config('lock_timeout', '"
            + GROUPED_LOCK_TIMEOUT.toMillis()
            + "ms', true)) IS NOT NULL),"
            + rest;
    // Deletes events of a refused enqueue that it inserted itself and nothing refers to.
    this.dropOrphanEvents =
        "DELETE FROM "
            + q
            + ".events e WHERE e.id = ANY(?::text[]) AND NOT EXISTS (SELECT 1 FROM "
            + q
            + ".deliveries d WHERE d.event_id = e.id)";
    this.storedEvents =
        "SELECT e.id AS event_id, e.type, e.type_display_name, e.type_subscribable,"
            + " e.occurred_at, e.subject_user_id, e.subject_app_id, e.subject_tenant, e.data,"
            + " e.changed_attributes FROM "
            + q
            + ".events e WHERE e.id = ANY(?::text[])";
    // An advisory lock keyed by the schema and the tenant: two schemas' tenants of one name, or
    // two tenants whose keys hash alike, only wait for each other a moment.
    this.lockTenantWebhooks = "SELECT pg_advisory_xact_lock(hashtext(? || ?))";
    this.countTenantWebhooks = "SELECT count(*) FROM " + q + ".webhooks WHERE tenant = ?";
    this.tenantLockPrefix = "hookline webhooks of " + q + ": ";
    String clearLease = " lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,";
    String currentLease = " WHERE id = ? AND state = 'IN_FLIGHT' AND lease_token = ?";
    this.finish =
        "UPDATE "
            + q
            + ".deliveries SET state = ?, attempts = attempts || ?::jsonb,"
            + " attempt_count = attempt_count + 1, next_attempt_at = ?,"
            + clearLease
            + " updated_at = ?"
            + currentLease;
    // The rows are found by primary key. The state test is written so that the planner cannot
    // prove deliveries_leases' predicate (state = 'IN_FLIGHT') from it: that partial index keeps an
    // entry for every row version in flight since the last vacuum, so in a long burst it holds
    // tens of thousands of dead entries while its statistics say a few dozen, and a plan that
    // scanned it (a bitmap scan, which never marks dead entries) cost a third of PostgreSQL's CPU
    // in a 50,000-delivery burst. The lease token is the fence; the state test only restates what
    // a current token implies. The store plans this statement at each execution (CustomPlans).
    this.finishMany =
        "UPDATE "
            + q
            + ".deliveries d SET state = v.state, attempts = d.attempts || v.attempt::jsonb,"
            + " attempt_count = d.attempt_count + 1, next_attempt_at = v.next_at::timestamptz,"
            + clearLease
            + " updated_at = v.now::timestamptz"
            + " FROM unnest(?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[])"
            + " AS v(id, token, state, attempt, next_at, now)"
            + " WHERE d.id = v.id AND d.lease_token = v.token"
            + " AND d.state IS NOT DISTINCT FROM 'IN_FLIGHT'"
            + " RETURNING d.id, v.token";
    this.release =
        "UPDATE "
            + q
            + ".deliveries SET state = CASE WHEN attempt_count = 0 THEN 'PENDING'"
            + " ELSE 'RETRYING' END, next_attempt_at = ?,"
            + clearLease
            + " updated_at = ?"
            + currentLease;
    this.requeue =
        "UPDATE "
            + q
            + ".deliveries SET state = 'RETRYING', next_attempt_at = ?, updated_at = ?"
            + " WHERE id = ? AND state IN ('SUCCEEDED', 'FAILED')";
    // The rows are locked before they are changed, skipping any another transaction holds: a
    // purge or a webhook's deletion (which delete them), another requeue. Waited for, a purge
    // that locks the same rows in another order could deadlock with it.
    this.requeueMany =
        "WITH v AS (SELECT * FROM unnest(?::text[], ?::text[]) AS v(id, due)),"
            + " locked AS (SELECT d.id, v.due FROM "
            + q
            + ".deliveries d JOIN v ON d.id = v.id WHERE d.state IN ('SUCCEEDED', 'FAILED')"
            + " FOR UPDATE OF d SKIP LOCKED)"
            + " UPDATE "
            + q
            + ".deliveries d SET state = 'RETRYING', next_attempt_at = locked.due::timestamptz,"
            + " updated_at = ? FROM locked WHERE d.id = locked.id RETURNING d.id";
  }

  /**
   * Returns the claim statement for expired leases or queued deliveries in a lane.
   *
   * @param expired true for expired leases, false for queued deliveries
   * @param lane which deliveries (for queued ones, {@link Lane#FIRST_ATTEMPTS} or {@link
   *     Lane#RETRIES})
   * @param excluding whether the statement takes an array of excluded webhook ids
   * @return the SQL; parameters: now, [excluded ids], limit, owner, lease expiry, now
   */
  public String claim(boolean expired, Lane lane, boolean excluding) {
    String key = key(expired, lane, excluding);
    return Objects.requireNonNull(claim.get(key), key);
  }

  /**
   * Returns the one statement that claims a lane's expired leases and its queued deliveries
   * together (one round trip where {@link #claim} takes two).
   *
   * @param lane {@link Lane#FIRST_ATTEMPTS} or {@link Lane#RETRIES}
   * @param excluding whether the statement takes an array of excluded webhook ids
   * @param capped whether the statement takes at most a given number per webhook ({@link
   *     dev.hookline.spi.ClaimRequest#maxPerWebhook}), counting what the same claim took of each
   *     before
   * @return the SQL; parameters: now, [excluded ids], limit, now, [excluded ids], limit, [if
   *     capped: webhook ids taken before, how many of each, the cap], limit, owner, lease expiry,
   *     now
   */
  public String claimLane(Lane lane, boolean excluding, boolean capped) {
    String key = key(capped, lane, excluding);
    return Objects.requireNonNull(claimLane.get(key), key);
  }

  private static String key(boolean expired, Lane lane, boolean excluding) {
    return expired + "/" + lane + "/" + excluding;
  }

  private String buildLaneClaim(Lane lane, boolean excluding, boolean capped) {
    String laneFilter =
        lane == Lane.FIRST_ATTEMPTS ? " AND attempt_count = 0" : " AND attempt_count > 0";
    String exclude = excluding ? " AND NOT (webhook_id = ANY(?::text[]))" : "";
    // Each branch keeps the exact predicate of its partial index (deliveries_leases,
    // deliveries_due_first / deliveries_due_retry), so each reads only due rows in due order.
    // Expired leases come first; the outer LIMIT keeps the total at the request's maximum.
    // Capped, the candidates are numbered per webhook in that order (after what the same claim
    // took of each before) and only those within the cap are claimed: the others were locked for
    // this statement only and stay queued, untouched.
    String columns = capped ? "id, webhook_id, " : "id ";
    String due =
        capped
            ? " due AS (SELECT id FROM (SELECT u.id, u.k, u.at, row_number() OVER (PARTITION BY"
                + " u.webhook_id ORDER BY u.k, u.at, u.id) + coalesce(t.n, 0) AS rn FROM (SELECT"
                + " id, webhook_id, at, 0 AS k FROM expired UNION ALL SELECT id, webhook_id, at, 1"
                + " AS k FROM queued) u LEFT JOIN unnest(?::text[], ?::int[]) AS t(webhook_id, n)"
                + " ON t.webhook_id = u.webhook_id) r WHERE rn <= ? ORDER BY k, at LIMIT ?),"
            : " due AS (SELECT id FROM (SELECT id, 0 AS k FROM expired UNION ALL"
                + " SELECT id, 1 AS k FROM queued) u ORDER BY k LIMIT ?),";
    return "WITH expired AS (SELECT "
        + columns
        + (capped ? "lease_expires_at AS at " : "")
        + "FROM "
        + q
        + ".deliveries WHERE state = 'IN_FLIGHT' AND lease_expires_at <= ?"
        + laneFilter
        + exclude
        + " ORDER BY lease_expires_at LIMIT ? FOR UPDATE SKIP LOCKED),"
        + " queued AS (SELECT "
        + columns
        + (capped ? "next_attempt_at AS at " : "")
        + "FROM "
        + q
        + ".deliveries WHERE state IN ('PENDING', 'RETRYING') AND next_attempt_at <= ?"
        + laneFilter
        + exclude
        + " ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED),"
        + due
        + " claimed AS (UPDATE "
        + q
        + ".deliveries d SET state = 'IN_FLIGHT', lease_owner = ?, lease_token = nextval('"
        + q
        + ".lease_tokens'), lease_expires_at = ?, updated_at = ? FROM due WHERE d.id = due.id"
        + " RETURNING d.*)"
        + " SELECT "
        + Rows.DELIVERY_COLUMNS
        + " FROM claimed d JOIN "
        + q
        + ".events e ON e.id = d.event_id ORDER BY d.next_attempt_at, d.created_at, d.id";
  }

  private String buildClaim(boolean expired, Lane lane, boolean excluding) {
    String laneFilter =
        switch (lane) {
          case FIRST_ATTEMPTS -> " AND attempt_count = 0";
          case RETRIES -> " AND attempt_count > 0";
          case ANY -> "";
        };
    // The predicates match the partial indexes deliveries_leases, deliveries_due_first and
    // deliveries_due_retry exactly, so the scan reads only due rows, in due order.
    String due =
        expired
            ? "state = 'IN_FLIGHT' AND lease_expires_at <= ?" + laneFilter
            : "state IN ('PENDING', 'RETRYING') AND next_attempt_at <= ?" + laneFilter;
    String order = expired ? "lease_expires_at" : "next_attempt_at";
    return "WITH due AS (SELECT id FROM "
        + q
        + ".deliveries WHERE "
        + due
        + (excluding ? " AND NOT (webhook_id = ANY(?::text[]))" : "")
        + " ORDER BY "
        + order
        + " LIMIT ? FOR UPDATE SKIP LOCKED),"
        + " claimed AS (UPDATE "
        + q
        + ".deliveries d SET state = 'IN_FLIGHT', lease_owner = ?, lease_token = nextval('"
        + q
        + ".lease_tokens'), lease_expires_at = ?, updated_at = ? FROM due WHERE d.id = due.id"
        + " RETURNING d.*)"
        + " SELECT "
        + Rows.DELIVERY_COLUMNS
        + " FROM claimed d JOIN "
        + q
        + ".events e ON e.id = d.event_id ORDER BY d.next_attempt_at, d.created_at, d.id";
  }
}
