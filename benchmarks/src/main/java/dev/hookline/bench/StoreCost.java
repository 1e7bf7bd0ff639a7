package dev.hookline.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.WebhookRegistry;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.spi.Lane;
import dev.hookline.spi.Lease;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.store.jdbc.PostgresStore;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;

/**
 * What each operation of the PostgreSQL store costs per delivery, apart: the enqueue (batches of
 * 100 events, one webhook), the claims (until none is left, {@code B} per claim) and the outcomes
 * (successes recorded by {@code T} threads at once, so the group commit writes up to {@code T} per
 * statement). No dispatcher and no HTTP: the store's own calls, one phase after the other, with the
 * CPU of PostgreSQL (postmaster and every backend, autovacuum included) and of this JVM read from
 * {@code /proc} around each phase, and the statements counted. Running it with two claim batch
 * sizes or two outcome thread counts separates a statement's fixed cost from a row's.
 *
 * <pre>
 *   java -cp benchmarks/target/benchmarks.jar dev.hookline.bench.StoreCost \
 *       [--deliveries 50000] [--rounds 3] [--claim-batches 5,20,100] [--outcome-threads 4,16,32]
 * </pre>
 *
 * <p>Every claim batch size runs with the first outcome thread count and every outcome thread count
 * with the first claim batch size, each on a fresh schema, all of them in every round; the table
 * gives medians over the rounds. Not thread-safe; a command-line tool.
 */
public final class StoreCost {
  private static final int PUBLISH_BATCH = 100;

  private StoreCost() {}

  /**
   * Runs the measurement.
   *
   * @param args see the class comment
   * @throws Exception if the database cannot start or an operation fails
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new TreeMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    int deliveries = Integer.parseInt(opts.getOrDefault("deliveries", "50000"));
    int rounds = Integer.parseInt(opts.getOrDefault("rounds", "3"));
    int[] batches = ints(opts.getOrDefault("claim-batches", "5,20,100"));
    int[] threads = ints(opts.getOrDefault("outcome-threads", "4,16,32"));
    List<int[]> setups = new ArrayList<>();
    for (int b : batches) {
      setups.add(new int[] {b, threads[0]});
    }
    for (int t = 1; t < threads.length; t++) {
      setups.add(new int[] {batches[0], threads[t]});
    }
    System.out.printf(
        Locale.ROOT,
        "StoreCost: %d cores, JDK %s, %d deliveries per run (1 KiB of data each), %d rounds%n",
        Runtime.getRuntime().availableProcessors(),
        Runtime.version(),
        deliveries,
        rounds);
    Map<String, List<Double>> results = new TreeMap<>();
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
        SimpleConnectionPool pool = SimpleConnectionPool.of(pg.getPostgresDatabase(), 48)) {
      PgBurstHarness.watchPostgres(pool);
      byte[] key = new byte[32];
      new SecureRandom().nextBytes(key);
      AesGcmSecretCipher cipher = AesGcmSecretCipher.builder().primaryKey("bench", key).build();
      PgBurstHarness.SqlCounter counter = new PgBurstHarness.SqlCounter();
      DataSource counted = counter.wrap(pool);
      int schema = 0;
      for (int r = 1; r <= rounds; r++) {
        for (int[] setup : setups) {
          PostgresStore store =
              PostgresStore.builder(counted)
                  .schema("cost_" + ++schema)
                  .secretCipher(cipher)
                  .build();
          String label =
              String.format(
                  Locale.ROOT, "claim batch %3d, outcome threads %2d", setup[0], setup[1]);
          double[] row =
              run(store, counter, deliveries, setup[0], setup[1], "r" + r + "s" + schema);
          System.out.printf(
              Locale.ROOT,
              "round %d %s: PG us/delivery enqueue %.1f claim %.1f outcome %.1f | JVM enqueue %.1f"
                  + " claim %.1f outcome %.1f | per statement: %.1f claimed, %.1f outcomes%n",
              r,
              label,
              row[0],
              row[1],
              row[2],
              row[3],
              row[4],
              row[5],
              row[6],
              row[7]);
          String[] names = {
            "PG enqueue",
            "PG claim",
            "PG outcome",
            "JVM enqueue",
            "JVM claim",
            "JVM outcome",
            "claimed per statement",
            "outcomes per statement"
          };
          for (int i = 0; i < names.length; i++) {
            results.computeIfAbsent(label + " | " + names[i], k -> new ArrayList<>()).add(row[i]);
          }
        }
      }
    }
    System.out.println();
    System.out.println("medians over " + rounds + " rounds (CPU in us per delivery):");
    results.forEach(
        (k, v) ->
            System.out.printf(Locale.ROOT, "  %-62s %8.1f   %s%n", k, PgBurstHarness.median(v), v));
    System.exit(0); // the embedded database's threads are not daemons
  }

  private static double[] run(
      PostgresStore store,
      PgBurstHarness.SqlCounter counter,
      int deliveries,
      int claimBatch,
      int outcomeThreads,
      String prefix)
      throws Exception {
    WebhookRegistry registry = Setups.registry(store);
    Setups.receiving(registry, "http://127.0.0.1:9", 1, UserEvents.CREATED);
    String webhook = store.listWebhooks().get(0).id();
    ObjectNode data = Setups.data(1024);
    int batches = deliveries / PUBLISH_BATCH;

    long jvm0 = ProcessCpu.nanos();
    long pg0 = PgBurstHarness.pgCpuNanos();
    for (int b = 0; b < batches; b++) {
      List<Delivery> batch = new ArrayList<>(PUBLISH_BATCH);
      Instant now = Instant.now();
      for (int i = 0; i < PUBLISH_BATCH; i++) {
        String id = prefix + "_" + b + "_" + i;
        Event e = Setups.event(UserEvents.CREATED, "evt_" + id, data);
        batch.add(Delivery.pending("dlv_" + id, webhook, e, now));
      }
      store.enqueue(batch);
    }
    long jvm1 = ProcessCpu.nanos();
    long pg1 = PgBurstHarness.pgCpuNanos();

    counter.reset();
    List<Lease> leases = new ArrayList<>(deliveries);
    while (true) {
      List<ClaimedDelivery> got =
          store.claim(
              new ClaimRequest(
                  "cost",
                  Instant.now(),
                  Duration.ofMinutes(10),
                  claimBatch,
                  Lane.FIRST_ATTEMPTS,
                  Set.of()));
      if (got.isEmpty()) {
        break;
      }
      for (ClaimedDelivery cd : got) {
        leases.add(cd.lease());
      }
    }
    long claimStatements = counter.total();
    long jvm2 = ProcessCpu.nanos();
    long pg2 = PgBurstHarness.pgCpuNanos();
    if (leases.size() != batches * PUBLISH_BATCH) {
      throw new IllegalStateException(
          "claimed " + leases.size() + " of " + batches * PUBLISH_BATCH + " deliveries");
    }

    counter.reset();
    ExecutorService pool = Executors.newFixedThreadPool(outcomeThreads);
    try {
      List<Future<?>> done = new ArrayList<>();
      int per = (leases.size() + outcomeThreads - 1) / outcomeThreads;
      for (int t = 0; t < outcomeThreads; t++) {
        List<Lease> mine =
            leases.subList(
                Math.min(leases.size(), t * per), Math.min(leases.size(), (t + 1) * per));
        done.add(
            pool.submit(
                () -> {
                  for (Lease lease : mine) {
                    Instant now = Instant.now();
                    Attempt ok = Attempt.response(1, now, Duration.ofMillis(1), 204, "");
                    if (!store.complete(lease, ok, now)) {
                      throw new IllegalStateException("lease lost: " + lease.deliveryId());
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    long outcomeStatements = counter.total();
    long jvm3 = ProcessCpu.nanos();
    long pg3 = PgBurstHarness.pgCpuNanos();

    double n = leases.size() * 1e3;
    return new double[] {
      (pg1 - pg0) / n,
      (pg2 - pg1) / n,
      (pg3 - pg2) / n,
      (jvm1 - jvm0) / n,
      (jvm2 - jvm1) / n,
      (jvm3 - jvm2) / n,
      leases.size() / (double) Math.max(1, claimStatements - 1), // the last claim finds nothing
      leases.size() / (double) Math.max(1, outcomeStatements)
    };
  }

  private static int[] ints(String csv) {
    return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
  }
}
