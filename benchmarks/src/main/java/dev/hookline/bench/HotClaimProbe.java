package dev.hookline.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * Prices a change of the delivery table's shape before making it (issue 13): PostgreSQL's CPU per
 * delivery for the enqueue, claim and outcome statements of one webhook's burst, on the schema as
 * migration 7 leaves it ({@code plain}) and on a schema whose claim changes no indexed column, so
 * that PostgreSQL can make it a heap-only (HOT) update ({@code hot}: no lease index, the claim
 * writes only the lease columns and leaves {@code state} as it was; {@code hot70}: the same with
 * fill factor 70, leaving room on each page for the claimed version). Raw SQL on an embedded
 * PostgreSQL, no dispatcher, no HTTP: the statements' shapes are the store's, reduced to the
 * columns that decide the cost. Not a test; a tool for a design decision.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.hookline.bench.HotClaimProbe [deliveries] [rounds]
 *     [in-flight window]
 * </pre>
 */
public final class HotClaimProbe {
  private static final int ENQUEUE_BATCH = 100;
  private static final int CLAIM_BATCH = 17;
  private static final int OUTCOME_BATCH = 90;

  private HotClaimProbe() {}

  /**
   * Runs the probe.
   *
   * @param args deliveries per round (default 50,000), rounds (default 3), deliveries in flight
   *     before the oldest are answered (default 107)
   * @throws Exception if the database fails
   */
  public static void main(String[] args) throws Exception {
    int deliveries = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    // How many deliveries are in flight before the oldest 90 are answered: about 107 in a burst
    // to one endpoint (claims of 17, outcomes grouped by 90); up to the workers' count with many.
    int window = args.length > 2 ? Integer.parseInt(args[2]) : CLAIM_BATCH + OUTCOME_BATCH;
    String[] variants = {"plain", "hot", "hot70"};
    Map<String, List<double[]>> results = new TreeMap<>();
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
      DataSource ds = pg.getPostgresDatabase();
      PgBurstHarness.watchPostgres(ds);
      int n = 0;
      for (int r = 1; r <= rounds; r++) {
        for (String v : variants) {
          String schema = "probe_" + ++n;
          double[] row = run(ds, schema, v, deliveries, window);
          results.computeIfAbsent(v, k -> new ArrayList<>()).add(row);
          System.out.printf(
              Locale.ROOT,
              "round %d %-6s PG us/delivery: enqueue %6.1f claim %6.1f outcome %6.1f total %6.1f"
                  + " | HOT updates %5.1f %% | drain %5.0f ms%n",
              r,
              v,
              row[0],
              row[1],
              row[2],
              row[0] + row[1] + row[2],
              row[3],
              row[4]);
        }
      }
    }
    System.out.println("medians (PG us per delivery: enqueue, claim, outcome, total):");
    for (Map.Entry<String, List<double[]>> e : results.entrySet()) {
      System.out.printf(
          Locale.ROOT,
          "  %-6s %6.1f %6.1f %6.1f %6.1f%n",
          e.getKey(),
          median(e.getValue(), 0),
          median(e.getValue(), 1),
          median(e.getValue(), 2),
          median(e.getValue(), 5));
    }
  }

  private static double median(List<double[]> rows, int i) {
    double[] xs =
        rows.stream().mapToDouble(r -> i == 5 ? r[0] + r[1] + r[2] : r[i]).sorted().toArray();
    return xs.length % 2 == 1 ? xs[xs.length / 2] : (xs[xs.length / 2 - 1] + xs[xs.length / 2]) / 2;
  }

  private static double[] run(DataSource ds, String s, String variant, int deliveries, int window)
      throws SQLException, ReflectiveOperationException {
    boolean hot = !variant.equals("plain");
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + s);
      st.execute("CREATE SEQUENCE " + s + ".lease_tokens AS bigint CACHE 1");
      st.execute(
          "CREATE TABLE "
              + s
              + ".events (id text PRIMARY KEY, type text NOT NULL, data json NOT NULL,"
              + " created_at timestamptz NOT NULL)");
      st.execute("CREATE INDEX ON " + s + ".events (created_at)");
      st.execute(
          "CREATE TABLE "
              + s
              + ".deliveries (id text PRIMARY KEY, event_id text NOT NULL REFERENCES "
              + s
              + ".events (id) DEFERRABLE INITIALLY DEFERRED, webhook_id text NOT NULL,"
              + " state text NOT NULL, attempt_count integer NOT NULL, attempts jsonb NOT NULL,"
              + " next_attempt_at timestamptz, lease_owner text, lease_token bigint,"
              + " lease_expires_at timestamptz, created_at timestamptz NOT NULL,"
              + " updated_at timestamptz NOT NULL, tenant text, publish_context text,"
              + " CONSTRAINT d_ew UNIQUE (event_id, webhook_id))"
              + (variant.equals("hot70") ? " WITH (fillfactor = 70)" : ""));
      String d = s + ".deliveries";
      st.execute(
          "CREATE INDEX ON "
              + d
              + " (next_attempt_at) WHERE state IN ('PENDING', 'RETRYING') AND attempt_count = 0");
      st.execute(
          "CREATE INDEX ON "
              + d
              + " (next_attempt_at) WHERE state IN ('PENDING', 'RETRYING') AND attempt_count > 0");
      if (!hot) {
        st.execute("CREATE INDEX ON " + d + " (lease_expires_at) WHERE state = 'IN_FLIGHT'");
      }
      st.execute("CREATE INDEX ON " + d + " (webhook_id, state, created_at DESC, id DESC)");
      st.execute("CREATE INDEX ON " + d + " (created_at DESC, id DESC) WHERE state = 'FAILED'");
      st.execute("CREATE INDEX ON " + d + " (updated_at) WHERE state IN ('SUCCEEDED', 'FAILED')");
      st.execute(
          "CREATE INDEX ON " + d + " (tenant, created_at DESC, id DESC) WHERE tenant IS NOT NULL");
      st.execute(
          "ALTER TABLE "
              + d
              + " SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor ="
              + " 0.02)");
    }
    double[] row = new double[5];
    String data =
        "{\"user\":{\"id\":\"u1\",\"email\":\"someone@example.com\"},\"pad\":\""
            + "x".repeat(700)
            + "\"}";
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(true);
      long pg0 = PgBurstHarness.pgCpuNanos();
      try (PreparedStatement ps =
          c.prepareStatement(
              "WITH ev AS (INSERT INTO "
                  + s
                  + ".events (id, type, data, created_at) SELECT id, 'user.created', ?::json, now()"
                  + " FROM unnest(?::text[]) AS v(id) RETURNING id)"
                  + " INSERT INTO "
                  + s
                  + ".deliveries (id, event_id, webhook_id, state, attempt_count, attempts,"
                  + " next_attempt_at, created_at, updated_at, tenant)"
                  + " SELECT 'dl_' || id, id, 'wh_1', 'PENDING', 0, '[]'::jsonb, now(), now(),"
                  + " now(), 't1' FROM ev")) {
        for (int i = 0; i < deliveries; i += ENQUEUE_BATCH) {
          String[] ids = new String[ENQUEUE_BATCH];
          for (int j = 0; j < ENQUEUE_BATCH; j++) {
            ids[j] = String.format(Locale.ROOT, "ev_%s_%08d", s, i + j);
          }
          ps.setString(1, data);
          ps.setArray(2, c.createArrayOf("text", ids));
          ps.executeUpdate();
        }
      }
      row[0] = (PgBurstHarness.pgCpuNanos() - pg0) / 1e3 / deliveries;
      String live = hot ? " AND (lease_expires_at IS NULL OR lease_expires_at <= now())" : "";
      String set =
          hot
              ? "lease_owner = 'o1', lease_token = nextval('"
                  + s
                  + ".lease_tokens'), lease_expires_at = now() + interval '30 seconds'"
              : "state = 'IN_FLIGHT', lease_owner = 'o1', lease_token = nextval('"
                  + s
                  + ".lease_tokens'), lease_expires_at = now() + interval '30 seconds',"
                  + " updated_at = now()";
      String claim =
          "WITH due AS (SELECT id FROM "
              + s
              + ".deliveries WHERE state IN ('PENDING', 'RETRYING') AND next_attempt_at <= now()"
              + " AND attempt_count = 0"
              + live
              + " ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED)"
              + " UPDATE "
              + s
              + ".deliveries d SET "
              + set
              + " FROM due WHERE d.id = due.id RETURNING d.id, d.lease_token";
      String outcome =
          "UPDATE "
              + s
              + ".deliveries d SET state = 'SUCCEEDED', attempts = d.attempts || v.attempt::jsonb,"
              + " attempt_count = d.attempt_count + 1, next_attempt_at = NULL, lease_owner = NULL,"
              + " lease_token = NULL, lease_expires_at = NULL, updated_at = now()"
              + " FROM unnest(?::text[], ?::bigint[], ?::text[]) AS v(id, token, attempt)"
              + " WHERE d.id = v.id AND d.lease_token = v.token RETURNING d.id";
      long claimNanos = 0;
      long outcomeNanos = 0;
      long t0 = System.nanoTime();
      int done = 0;
      List<String> ids = new ArrayList<>();
      List<Long> tokens = new ArrayList<>();
      try (PreparedStatement cl = c.prepareStatement(claim);
          PreparedStatement out = c.prepareStatement(outcome)) {
        // Planned at each execution, as the store's grouped outcome write is (CustomPlans).
        Class<?> pgStatement = Class.forName("org.postgresql.PGStatement");
        pgStatement.getMethod("setPrepareThreshold", int.class).invoke(out.unwrap(pgStatement), 0);
        while (done < deliveries) {
          long a = PgBurstHarness.pgCpuNanos();
          cl.setInt(1, CLAIM_BATCH);
          int got = 0;
          try (ResultSet rs = cl.executeQuery()) {
            while (rs.next()) {
              ids.add(rs.getString(1));
              tokens.add(rs.getLong(2));
              got++;
            }
          }
          long b = PgBurstHarness.pgCpuNanos();
          claimNanos += b - a;
          if (ids.size() >= window || got == 0) {
            if (ids.isEmpty()) {
              break;
            }
            // The oldest claims are answered first; the rest stay in flight.
            int k = Math.min(OUTCOME_BATCH, ids.size());
            List<String> doneIds = ids.subList(0, k);
            List<Long> doneTokens = tokens.subList(0, k);
            String[] attempt = new String[k];
            java.util.Arrays.fill(
                attempt, "[{\"at\":\"2026-12-03T10:00:00Z\",\"status\":200,\"durationMillis\":3}]");
            Array idArray = c.createArrayOf("text", doneIds.toArray());
            Array tokenArray = c.createArrayOf("bigint", doneTokens.toArray());
            Array attemptArray = c.createArrayOf("text", attempt);
            out.setArray(1, idArray);
            out.setArray(2, tokenArray);
            out.setArray(3, attemptArray);
            int n = 0;
            try (ResultSet rs = out.executeQuery()) {
              while (rs.next()) {
                n++;
              }
            }
            if (n != k) {
              throw new IllegalStateException("outcomes " + n + " of " + k);
            }
            done += n;
            doneIds.clear();
            doneTokens.clear();
            outcomeNanos += PgBurstHarness.pgCpuNanos() - b;
          }
        }
      }
      row[4] = (System.nanoTime() - t0) / 1e6;
      row[1] = claimNanos / 1e3 / deliveries;
      row[2] = outcomeNanos / 1e3 / deliveries;
      try (Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE schemaname = '"
                      + s
                      + "' AND relname = 'deliveries'")) {
        if (rs.next() && rs.getLong(1) > 0) {
          row[3] = 100.0 * rs.getLong(2) / rs.getLong(1);
        }
      }
      if (done != deliveries) {
        throw new IllegalStateException("delivered " + done + " of " + deliveries);
      }
    }
    return row;
  }
}
