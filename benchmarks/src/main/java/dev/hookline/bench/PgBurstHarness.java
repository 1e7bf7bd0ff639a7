package dev.hookline.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.DeliveryListener;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.filter.Filters;
import dev.hookline.spi.Store;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.store.InMemoryStore;
import dev.hookline.store.jdbc.PostgresStore;
import dev.hookline.testing.TestWebhooks;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;

/**
 * The PostgreSQL store against the in-memory one at <b>default dispatcher settings</b> (issue 13):
 * a burst of events published in batches of 100 to E endpoints (time until every delivery is
 * recorded as succeeded), optionally with extra webhooks that never receive (pending verification),
 * and a paced phase (R events/s, publish-to-recorded latency). Each round runs every configuration
 * on both stores, one after the other; the table gives medians over the rounds. PostgreSQL runs
 * count the SQL statements the store sends (through a counting DataSource), per delivery.
 *
 * <pre>
 *   java -cp benchmarks/target/benchmarks.jar dev.hookline.bench.PgBurstHarness \
 *       [--events 50000] [--endpoints 1,100] [--extra 0,3000] [--rounds 3] \
 *       [--rate 1000] [--seconds 10] [--stores in-memory,postgresql] [--observe true|floor]
 * </pre>
 *
 * <p>{@code --observe true} adds hookline-micrometer and hookline-opentelemetry to the bursts'
 * dispatcher, set up as {@link ObservabilityOverhead}'s "on" variant; {@code --observe floor} the
 * least the two libraries cost ({@link LibraryFloor}).
 *
 * <p>With 100 endpoints, {@code --events} is divided by the endpoint count unless {@code
 * --fixed-events} is given, so that each run delivers about the same number of notifications.
 */
public final class PgBurstHarness {
  private static final int BATCH = 100;
  private static final Duration MAX_WAIT = Duration.ofMinutes(5);

  private PgBurstHarness() {}

  /**
   * Runs the harness.
   *
   * @param args see the class comment
   * @throws Exception if the database or the sink cannot start
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new TreeMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    int events = Integer.parseInt(opts.getOrDefault("events", "50000"));
    boolean fixedEvents = Boolean.parseBoolean(opts.getOrDefault("fixed-events", "false"));
    int[] endpoints = ints(opts.getOrDefault("endpoints", "1,100"));
    int[] extras = ints(opts.getOrDefault("extra", "0"));
    int rounds = Integer.parseInt(opts.getOrDefault("rounds", "3"));
    int rate = Integer.parseInt(opts.getOrDefault("rate", "1000"));
    int seconds = Integer.parseInt(opts.getOrDefault("seconds", "10"));
    List<String> stores =
        new ArrayList<>(List.of(opts.getOrDefault("stores", "in-memory,postgresql").split(",")));
    // Schema experiments: each "|"-separated variant is a ";"-separated list of statements run
    // on a fresh PostgreSQL store's schema ({s}) after it is built; the bursts then run on the
    // plain schema and on each variant, side by side in every round.
    List<String> ddl =
        opts.containsKey("ddl") ? List.of(opts.get("ddl").split("\\|", -1)) : List.of();
    for (int v = 1; v <= ddl.size(); v++) {
      stores.add("pg-v" + v);
      System.out.println("variant pg-v" + v + ": " + ddl.get(v - 1));
    }
    String observed = opts.getOrDefault("observe", "false");
    if (observed.equals("true")) {
      // Both modules, set up as ObservabilityOverhead's "on" variant (every span sampled and
      // marshalled as OTLP): to measure what observing costs on each store.
      observe = ObservabilityOverhead.bothModules(new java.util.concurrent.atomic.AtomicLong());
      System.out.println("attempts observed by hookline-micrometer and hookline-opentelemetry");
    } else if (observed.equals("floor")) {
      observe =
          LibraryFloor.floor(
              ObservabilityOverhead.Telemetry.create(new java.util.concurrent.atomic.AtomicLong()));
      System.out.println("attempts observed by the libraries' floor (LibraryFloor)");
    }
    System.out.printf(
        Locale.ROOT,
        "PgBurstHarness: %d cores, JDK %s, default dispatcher settings, %d events per burst%s,"
            + " rounds %d, paced %d/s for %d s%n",
        Runtime.getRuntime().availableProcessors(),
        Runtime.version(),
        events,
        fixedEvents ? "" : " (divided by the endpoint count)",
        rounds,
        rate,
        seconds);
    NginxSink nginx = NginxSink.available() ? NginxSink.start() : null;
    if (nginx == null) {
      throw new IllegalStateException("nginx is needed for the sink: run benchmarks/load once");
    }
    Map<String, List<Double>> results = new TreeMap<>();
    Map<String, String> notes = new TreeMap<>();
    try (nginx;
        EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
        SimpleConnectionPool pool = SimpleConnectionPool.of(pg.getPostgresDatabase(), 48)) {
      byte[] key = new byte[32];
      new SecureRandom().nextBytes(key);
      AesGcmSecretCipher cipher = AesGcmSecretCipher.builder().primaryKey("bench", key).build();
      SqlCounter counter = new SqlCounter();
      DataSource counted = counter.wrap(pool);
      PG_POSTMASTER = postmaster(pool);
      if (opts.containsKey("explain")) {
        explain(pool, cipher, Integer.parseInt(opts.get("explain")));
        return;
      }
      int[] schemas = {0};
      for (int round = 1; round <= rounds; round++) {
        for (int e : endpoints) {
          for (int extra : extras) {
            int n = fixedEvents ? events : Math.max(BATCH, events / e);
            for (String s : stores) {
              String label =
                  String.format(Locale.ROOT, "burst %-10s E=%-3d extra=%-4d", s, e, extra);
              Store store =
                  s.equals("in-memory")
                      ? new InMemoryStore()
                      : PostgresStore.builder(counted)
                          .schema("bench" + ++schemas[0])
                          .secretCipher(cipher)
                          .build();
              if (s.startsWith("pg-v")) {
                alter(pool, "bench" + schemas[0], ddl.get(Integer.parseInt(s.substring(4)) - 1));
              }
              counter.reset();
              double rateNow = burst(store, nginx, e, extra, n, counter);
              results.computeIfAbsent(label, k -> new ArrayList<>()).add(rateNow);
              results
                  .computeIfAbsent(label + " us CPU/delivery (JVM)", k -> new ArrayList<>())
                  .add(LAST_CPU[0] / 1e3 / ((double) n * e));
              results
                  .computeIfAbsent(label + " us CPU/delivery (PG)", k -> new ArrayList<>())
                  .add(LAST_CPU[1] / 1e3 / ((double) n * e));
              if (store instanceof PostgresStore) {
                notes.put(label, counter.perDelivery((long) n * e));
              }
              System.out.printf(
                  Locale.ROOT, "round %d %s: %,.0f deliveries/s%n", round, label, rateNow);
              store.close();
            }
          }
        }
        if (rate > 0) {
          for (String s : stores) {
            Store store =
                s.equals("in-memory")
                    ? new InMemoryStore()
                    : PostgresStore.builder(counted)
                        .schema("bench" + ++schemas[0])
                        .secretCipher(cipher)
                        .build();
            long[] l = paced(store, nginx, rate, seconds);
            String label = String.format(Locale.ROOT, "paced %-10s %d/s", s, rate);
            results.computeIfAbsent(label + " p50 ms", k -> new ArrayList<>()).add(ms(l, 0.5));
            results.computeIfAbsent(label + " p99 ms", k -> new ArrayList<>()).add(ms(l, 0.99));
            results
                .computeIfAbsent(label + " max ms", k -> new ArrayList<>())
                .add(l.length == 0 ? 0 : l[l.length - 1] / 1e6);
            System.out.printf(
                Locale.ROOT,
                "round %d %s: p50 %.1f ms p99 %.1f ms max %.1f ms%n",
                round,
                label,
                ms(l, 0.5),
                ms(l, 0.99),
                l.length == 0 ? 0 : l[l.length - 1] / 1e6);
            store.close();
          }
        }
      }
    }
    System.out.println();
    System.out.println("medians over " + rounds + " rounds:");
    results.forEach(
        (label, values) ->
            System.out.printf(
                Locale.ROOT, "  %-45s %,10.1f   %s%n", label, median(values), values));
    System.out.println("SQL per delivery (PostgreSQL, last round):");
    notes.forEach((label, note) -> System.out.printf(Locale.ROOT, "  %-45s %s%n", label, note));
  }

  private static void alter(DataSource ds, String schema, String statements) throws Exception {
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement()) {
      for (String sql : statements.split(";", -1)) {
        if (!sql.isBlank()) {
          st.execute(sql.replace("{s}", schema));
        }
      }
    }
  }

  /**
   * EXPLAIN (ANALYZE, BUFFERS) of the hot statements over a real backlog: {@code backlog} queued
   * deliveries, 32 of them in flight. Each statement runs in a transaction that is rolled back.
   */
  private static void explain(DataSource ds, AesGcmSecretCipher cipher, int backlog)
      throws Exception {
    PostgresStore store = PostgresStore.builder(ds).schema("explain").secretCipher(cipher).build();
    WebhookRegistry registry = registry(store);
    receiving(registry, "http://127.0.0.1:9/hook");
    try (Dispatcher d = Dispatcher.builder().registry(registry).build()) { // not started
      publish(d, backlog);
    }
    String owner = "explain";
    List<dev.hookline.spi.ClaimedDelivery> inFlight =
        store.claim(
            new dev.hookline.spi.ClaimRequest(
                owner,
                Instant.now(),
                Duration.ofMinutes(5),
                32,
                dev.hookline.spi.Lane.FIRST_ATTEMPTS,
                java.util.Set.of()));
    dev.hookline.store.jdbc.internal.Sql sql = new dev.hookline.store.jdbc.internal.Sql("explain");
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("ANALYZE \"explain\".deliveries");
      }
      c.commit();
      java.time.OffsetDateTime now = java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC);
      java.time.OffsetDateTime expiry = now.plusMinutes(5);
      explainOne(
          c,
          "claim (lane FIRST_ATTEMPTS, 24, no exclusions)",
          sql.claimLane(dev.hookline.spi.Lane.FIRST_ATTEMPTS, false, false),
          now,
          24,
          now,
          24,
          24,
          owner,
          expiry,
          now);
      explainGeneric(
          c,
          "claim (lane FIRST_ATTEMPTS, 24), generic plan",
          sql.claimLane(dev.hookline.spi.Lane.FIRST_ATTEMPTS, false, false),
          "'" + now + "'",
          "24",
          "'" + now + "'",
          "24",
          "24",
          "'" + owner + "'",
          "'" + expiry + "'",
          "'" + now + "'");
      explainOne(
          c,
          "claim (lane FIRST_ATTEMPTS, 36, capped at 18 per webhook)",
          sql.claimLane(dev.hookline.spi.Lane.FIRST_ATTEMPTS, false, true),
          now,
          36,
          now,
          36,
          c.createArrayOf("text", new Object[0]),
          c.createArrayOf("integer", new Object[0]),
          18,
          36,
          owner,
          expiry,
          now);
      explainGeneric(
          c,
          "claim (lane FIRST_ATTEMPTS, 36, capped at 18 per webhook), generic plan",
          sql.claimLane(dev.hookline.spi.Lane.FIRST_ATTEMPTS, false, true),
          "'" + now + "'",
          "36",
          "'" + now + "'",
          "36",
          "ARRAY[]::text[]",
          "ARRAY[]::integer[]",
          "18",
          "36",
          "'" + owner + "'",
          "'" + expiry + "'",
          "'" + now + "'");
      explainOne(
          c,
          "claim, before: expired leases statement",
          sql.claim(true, dev.hookline.spi.Lane.FIRST_ATTEMPTS, false),
          now,
          24,
          owner,
          expiry,
          now);
      explainOne(
          c,
          "claim, before: queued statement",
          sql.claim(false, dev.hookline.spi.Lane.FIRST_ATTEMPTS, false),
          now,
          24,
          owner,
          expiry,
          now);
      int n = inFlight.size();
      Object[] ids = new Object[n];
      Object[] tokens = new Object[n];
      Object[] states = new Object[n];
      Object[] attempts = new Object[n];
      @org.jspecify.annotations.Nullable Object[] next = new Object[n];
      Object[] times = new Object[n];
      for (int i = 0; i < n; i++) {
        ids[i] = inFlight.get(i).delivery().id();
        tokens[i] = inFlight.get(i).lease().token();
        states[i] = "SUCCEEDED";
        attempts[i] =
            "[{\"number\":1,\"started_at\":\""
                + Instant.now()
                + "\",\"duration\":\"PT0.001S\",\"status\":204}]";
        next[i] = null;
        times[i] = Instant.now().toString();
      }
      explainOne(
          c,
          "complete, grouped (" + n + " outcomes)",
          sql.finishMany,
          c.createArrayOf("text", ids),
          c.createArrayOf("bigint", tokens),
          c.createArrayOf("text", states),
          c.createArrayOf("text", attempts),
          c.createArrayOf("text", next),
          c.createArrayOf("text", times));
      explainGeneric(
          c,
          "complete, grouped (" + n + " outcomes), generic plan",
          sql.finishMany,
          arrayLiteral(ids, "text"),
          arrayLiteral(tokens, "bigint"),
          arrayLiteral(states, "text"),
          arrayLiteral(attempts, "text"),
          arrayLiteral(next, "text"),
          arrayLiteral(times, "text"));
      explainOne(
          c,
          "complete, one (before; as a reschedule)",
          sql.finish,
          "RETRYING",
          attempts[0],
          now.plusYears(1), // a retry's next time: the statement is the same
          now,
          ids[0],
          tokens[0]);
    }
  }

  private static String arrayLiteral(
      @org.jspecify.annotations.Nullable Object[] values, String type) {
    StringBuilder b = new StringBuilder("ARRAY[");
    for (int i = 0; i < values.length; i++) {
      b.append(i == 0 ? "" : ", ");
      Object v = values[i];
      b.append(v == null ? "NULL" : "'" + v.toString().replace("'", "''") + "'");
    }
    return b.append("]::").append(type).append("[]").toString();
  }

  private static void explainGeneric(Connection c, String what, String sql, String... literals)
      throws java.sql.SQLException {
    System.out.println("---- " + what);
    StringBuilder numbered = new StringBuilder();
    int n = 0;
    for (int i = 0; i < sql.length(); i++) {
      char ch = sql.charAt(i);
      if (ch == '?') {
        numbered.append('$').append(++n);
      } else {
        numbered.append(ch);
      }
    }
    try (Statement s = c.createStatement()) {
      s.execute("SET plan_cache_mode = force_generic_plan");
      s.execute("PREPARE generic_probe AS " + numbered);
      try (java.sql.ResultSet rs =
          s.executeQuery(
              "EXPLAIN (ANALYZE, BUFFERS) EXECUTE generic_probe("
                  + String.join(", ", literals)
                  + ")")) {
        while (rs.next()) {
          System.out.println(rs.getString(1));
        }
      }
    } finally {
      c.rollback();
      try (Statement s = c.createStatement()) {
        s.execute("DEALLOCATE ALL");
        s.execute("RESET plan_cache_mode");
      }
      c.commit();
    }
  }

  private static void explainOne(Connection c, String what, String sql, Object... params)
      throws java.sql.SQLException {
    System.out.println("---- " + what);
    try (PreparedStatement ps = c.prepareStatement("EXPLAIN (ANALYZE, BUFFERS) " + sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      try (java.sql.ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          System.out.println(rs.getString(1));
        }
      }
    } finally {
      c.rollback();
    }
  }

  /** Set by {@code --observe true}: adds both observability modules to the bursts' dispatcher. */
  private static java.util.function.UnaryOperator<Dispatcher.Builder> observe = b -> b;

  private static double burst(
      Store store, NginxSink sink, int endpoints, int extra, int events, SqlCounter counter) {
    WebhookRegistry registry = registry(store);
    for (int i = 0; i < extra; i++) {
      registry.create(
          WebhookDefinition.builder()
              .name("never receives " + i)
              .uri(sink.url("/pending/" + i))
              .apiKey("bench-api-key-0123456789")
              .events(UserEvents.CREATED)
              .build()); // pending verification: never receives
    }
    for (int i = 0; i < endpoints; i++) {
      receiving(registry, sink.url("/hook/" + i));
    }
    LongAdder succeeded = new LongAdder();
    LongAdder failed = new LongAdder();
    DeliveryListener count = counting(succeeded, failed, null);
    try (Dispatcher d =
        observe.apply(Dispatcher.builder().registry(registry).listener(count)).build().start()) {
      // warm-up
      publish(d, 2_000 / endpoints + 1);
      long warm = (long) (2_000 / endpoints + 1) * endpoints;
      await(() -> succeeded.sum() >= warm, "warm-up");
      succeeded.reset();
      counter.reset();
      long expected = (long) events * endpoints;
      long jvm0 = ProcessCpu.nanos();
      long pg0 = pgCpuNanos();
      long start = System.nanoTime();
      publish(d, events);
      await(() -> succeeded.sum() >= expected, "burst");
      double rate = expected / ((System.nanoTime() - start) / 1e9);
      LAST_CPU[0] = ProcessCpu.nanos() - jvm0;
      LAST_CPU[1] = pgCpuNanos() - pg0;
      if (failed.sum() > 0) {
        System.out.println("  (failed attempts: " + failed.sum() + ")");
      }
      return rate;
    }
  }

  private static long[] paced(Store store, NginxSink sink, int rate, int seconds) throws Exception {
    WebhookRegistry registry = registry(store);
    receiving(registry, sink.url("/hook/paced"));
    LongAdder succeeded = new LongAdder();
    LongAdder failed = new LongAdder();
    ConcurrentHashMap<String, Long> publishedAt = new ConcurrentHashMap<>();
    LatencyLog log = new LatencyLog();
    DeliveryListener count =
        counting(
            succeeded,
            failed,
            (d, t) -> {
              Long t0 = publishedAt.remove(d.event().id());
              if (t0 != null) {
                log.add(t - t0);
              }
            });
    try (Dispatcher d = Dispatcher.builder().registry(registry).listener(count).build().start()) {
      publish(d, 2_000);
      await(() -> succeeded.sum() >= 2_000, "paced warm-up");
      int total = rate * seconds;
      AtomicInteger sent = new AtomicInteger();
      AtomicLong seq = new AtomicLong();
      ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
      try {
        long base = succeeded.sum();
        ScheduledFuture<?> ticking =
            ticker.scheduleAtFixedRate(
                () -> {
                  if (sent.get() < total) {
                    Event e = event("paced_" + seq.incrementAndGet());
                    publishedAt.put(e.id(), System.nanoTime());
                    d.publish(e);
                    sent.incrementAndGet();
                  }
                },
                0,
                1_000_000_000L / rate,
                TimeUnit.NANOSECONDS);
        await(() -> succeeded.sum() - base >= total, "paced");
        ticking.cancel(false);
      } finally {
        ticker.shutdownNow();
      }
      return log.sorted();
    }
  }

  interface Arrival {
    void at(Delivery d, long nanos);
  }

  private static DeliveryListener counting(
      LongAdder succeeded, LongAdder failed, @org.jspecify.annotations.Nullable Arrival arrival) {
    return new DeliveryListener() {
      @Override
      public void attemptSucceeded(Delivery d, Attempt a) {
        if (arrival != null) {
          arrival.at(d, System.nanoTime());
        }
        succeeded.increment();
      }

      @Override
      public void attemptFailed(Delivery d, Attempt a, Optional<Instant> next) {
        failed.increment();
      }
    };
  }

  private static WebhookRegistry registry(Store store) {
    return WebhookRegistry.builder()
        .store(store)
        .filterCompiler(Filters.compiler())
        .allowInsecureLoopbackForDevelopment(true)
        .build();
  }

  private static void receiving(WebhookRegistry registry, String uri) {
    Webhook w =
        registry.create(
            WebhookDefinition.builder()
                .name("sink")
                .uri(uri)
                .apiKey("bench-api-key-0123456789")
                .events(UserEvents.CREATED)
                .build());
    TestWebhooks.markVerified(registry, w.id());
    registry.enable(w.id());
  }

  private static final AtomicLong IDS = new AtomicLong();
  private static final long[] LAST_CPU = new long[2];
  private static long PG_POSTMASTER = -1;

  /** Makes {@link #pgCpuNanos} read the PostgreSQL server behind {@code ds}. */
  static void watchPostgres(DataSource ds) throws java.sql.SQLException {
    PG_POSTMASTER = postmaster(ds);
  }

  private static long postmaster(DataSource ds) throws java.sql.SQLException {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement();
        java.sql.ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
      rs.next();
      String[] f = stat(rs.getLong(1));
      return f == null ? -1 : Long.parseLong(f[1]);
    }
  }

  /** Fields of /proc/pid/stat after the command name (index 0 is the state), or null. */
  private static String @org.jspecify.annotations.Nullable [] stat(long pid) {
    try {
      String stat =
          java.nio.file.Files.readString(
              java.nio.file.Path.of("/proc/" + pid + "/stat"),
              java.nio.charset.StandardCharsets.US_ASCII);
      return stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
    } catch (java.io.IOException | RuntimeException e) {
      return null;
    }
  }

  /** CPU of the embedded PostgreSQL: the postmaster, its live children and its reaped ones. */
  static long pgCpuNanos() {
    if (PG_POSTMASTER < 0) {
      return 0;
    }
    long ticks = 0;
    String[] pm = stat(PG_POSTMASTER);
    if (pm != null) {
      ticks += Long.parseLong(pm[11]) + Long.parseLong(pm[12]);
      ticks += Long.parseLong(pm[13]) + Long.parseLong(pm[14]);
    }
    java.io.File[] procs = new java.io.File("/proc").listFiles();
    if (procs != null) {
      for (java.io.File p : procs) {
        String name = p.getName();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        String[] f = stat(Long.parseLong(name));
        if (f != null && Long.parseLong(f[1]) == PG_POSTMASTER) {
          ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
        }
      }
    }
    return ticks * 10_000_000L;
  }

  private static void publish(Dispatcher d, int count) {
    List<Event> batch = new ArrayList<>(BATCH);
    for (int i = 0; i < count; i++) {
      batch.add(event("b_" + IDS.incrementAndGet()));
      if (batch.size() == BATCH || i == count - 1) {
        d.publish(batch);
        batch = new ArrayList<>(BATCH);
      }
    }
  }

  private static Event event(String id) {
    return Event.builder(UserEvents.CREATED)
        .id("evt_" + id)
        .occurredAt(Instant.now())
        .user("user-" + id)
        .data(JsonNodeFactory.instance.objectNode().put("n", id).put("email", "u@example.com"))
        .build();
  }

  private static int[] ints(String csv) {
    return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
  }

  static double median(List<Double> values) {
    List<Double> s = new ArrayList<>(values);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  private static double ms(long[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    int i = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
    return sorted[Math.max(0, i)] / 1e6;
  }

  private static void await(BooleanSupplier done, String what) {
    long deadline = System.nanoTime() + MAX_WAIT.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(what + " did not finish within " + MAX_WAIT);
      }
      LockSupport.parkNanos(Duration.ofMillis(1).toNanos());
    }
  }

  /** Latencies in nanoseconds. */
  private static final class LatencyLog {
    private long[] values = new long[1024];
    private int size;

    synchronized void add(long nanos) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = nanos;
    }

    synchronized long[] sorted() {
      long[] copy = Arrays.copyOf(values, size);
      Arrays.sort(copy);
      return copy;
    }
  }

  /**
   * Counts statement executions by kind (the SQL's leading words) and connection borrows, through
   * dynamic proxies over the DataSource, Connection and Statement.
   */
  static final class SqlCounter {
    private final ConcurrentHashMap<String, LongAdder> executions = new ConcurrentHashMap<>();
    private final LongAdder borrows = new LongAdder();

    void reset() {
      executions.clear();
      borrows.reset();
    }

    long total() {
      return executions.values().stream().mapToLong(LongAdder::sum).sum();
    }

    String perDelivery(long deliveries) {
      StringBuilder b = new StringBuilder();
      long total = 0;
      for (Map.Entry<String, LongAdder> e : new TreeMap<>(executions).entrySet()) {
        total += e.getValue().sum();
        b.append(
            String.format(
                Locale.ROOT, "%s=%.3f ", e.getKey(), e.getValue().sum() / (double) deliveries));
      }
      return String.format(
          Locale.ROOT,
          "statements %.3f, borrows %.3f per delivery: %s",
          total / (double) deliveries,
          borrows.sum() / (double) deliveries,
          b);
    }

    DataSource wrap(DataSource target) {
      return proxy(
          DataSource.class,
          (p, m, a) -> {
            Object r = invoke(target, m, a);
            if (m.getName().equals("getConnection")) {
              borrows.increment();
              return connection((Connection) r);
            }
            return r;
          });
    }

    private Connection connection(Connection c) {
      return proxy(
          Connection.class,
          (p, m, a) -> {
            if (m.getName().equals("unwrap") || m.getName().equals("isWrapperFor")) {
              return invoke(c, m, a);
            }
            Object r = invoke(c, m, a);
            if (m.getName().equals("prepareStatement") && r instanceof PreparedStatement ps) {
              return statement(ps, kind((String) a[0]));
            }
            if (m.getName().equals("createStatement") && r instanceof Statement s) {
              return statement(s, null);
            }
            return r;
          });
    }

    private Statement statement(Statement s, @org.jspecify.annotations.Nullable String kind) {
      Class<?> type = s instanceof PreparedStatement ? PreparedStatement.class : Statement.class;
      return (Statement)
          Proxy.newProxyInstance(
              PgBurstHarness.class.getClassLoader(),
              new Class<?>[] {type},
              (p, m, a) -> {
                if (m.getName().startsWith("execute")) {
                  String k =
                      kind != null ? kind : (a != null && a.length > 0 ? kind((String) a[0]) : "?");
                  executions.computeIfAbsent(k, x -> new LongAdder()).increment();
                }
                return invoke(s, m, a);
              });
    }

    private static String kind(String sql) {
      String s = sql.trim().replaceAll("\\s+", " ");
      if (s.contains("claimed AS") || s.contains("claim")) {
        return "claim";
      }
      if (s.startsWith("WITH dv AS")) {
        return "enqueue";
      }
      if (s.contains("attempts = attempts ||")
          || (s.contains("unnest") && s.startsWith("UPDATE"))) {
        return "complete";
      }
      if (s.contains("SET state = CASE WHEN attempt_count = 0")) {
        return "release";
      }
      int sp = s.indexOf(' ', s.indexOf(' ') + 1);
      return sp < 0 ? s : s.substring(0, sp);
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, InvocationHandler h) {
      return (T)
          Proxy.newProxyInstance(PgBurstHarness.class.getClassLoader(), new Class<?>[] {type}, h);
    }

    private static Object invoke(Object target, java.lang.reflect.Method m, Object[] a)
        throws Throwable {
      try {
        return m.invoke(target, a);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }
  }
}
