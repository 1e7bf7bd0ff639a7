package dev.hookline.bench;

import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The end-to-end load harness. Every phase runs its measurement and its baseline side by side in
 * the same run, in alternating rounds so that a noisy neighbour slows both, reports the median of
 * the rounds, and prints its target with PASS or FAIL. Everything it sends goes to sinks it starts
 * itself on 127.0.0.1; it stops them (and the embedded PostgreSQL) when it ends, and ends by itself
 * at a time limit. Run it with {@code benchmarks/load} (which installs nginx and wrk if needed).
 *
 * <p>Phases ({@code --phases a,b}; default all):
 *
 * <ul>
 *   <li>{@code fast}: in-memory store, fast sink (nginx): Hookline publish-to-delivered vs raw
 *       {@code java.net.http} at the same concurrency; rate and CPU per delivery.
 *   <li>{@code pg-burst}: default dispatcher settings, events published in batches of 100, time
 *       until all are delivered: PostgreSQL vs in-memory, with 1 endpoint and 100 endpoints; judged
 *       with each store in a JVM of its own, the two taking turns ({@link BurstJvms}), and printed
 *       for comparison with both stores in this JVM.
 *   <li>{@code pg-paced}: 1,000 events/s published one at a time; publish-to-delivered p50, p99,
 *       max on PostgreSQL (in-memory beside it).
 *   <li>{@code slow}: 1,000 endpoints answering after 500 ms ± 20% (a delayed sink whose capacity
 *       is measured first); Hookline at default settings vs raw {@code sendAsync} with as many in
 *       flight; run again in a child JVM on JDK 25 where {@code /usr/lib/jvm/temurin-25*} exists.
 *   <li>{@code idle-webhooks}: a burst with and without 3,000 webhooks that do not receive, on both
 *       stores.
 *   <li>{@code observability}: bursts with hookline-micrometer and hookline-opentelemetry on vs
 *       off, on both stores, with 1 and 100 endpoints; each variant in a JVM of its own, the two
 *       taking turns ({@link BurstJvms}).
 *   <li>{@code heap}: heap held per pending delivery in the in-memory store.
 * </ul>
 */
public final class LoadHarness {
  static final List<String> PHASES =
      List.of("fast", "pg-burst", "pg-paced", "slow", "idle-webhooks", "observability", "heap");

  private final boolean quick;
  private final int seconds;
  private final int threads;
  private final int rounds;
  private final byte[] body;
  private final String[] args;
  private Optional<Postgres> postgres = Optional.empty();

  private LoadHarness(String[] args) {
    this.args = args;
    this.quick = has(args, "--quick");
    this.seconds = intArg(args, "--seconds", quick ? 2 : 10);
    this.threads = intArg(args, "--threads", 32);
    this.rounds = Math.max(1, intArg(args, "--rounds", quick ? 1 : 3));
    this.body = jsonBody(intArg(args, "--body-bytes", 1024));
  }

  /**
   * Runs the harness.
   *
   * @param args {@code --quick} (smaller counts, one round: under 2 minutes), {@code --phases
   *     a,b,...} (default all: fast, pg-burst, pg-paced, slow, idle-webhooks, observability, heap),
   *     {@code --rounds N} (default 3, quick 1), {@code --seconds N} (per timed run, default 10,
   *     quick 3), {@code --threads N} (the fast phase's concurrency, default 32), {@code
   *     --body-bytes N} (default 1024), {@code --burst N} (deliveries per burst, default 50,000,
   *     quick 2,000), {@code --paced-seconds N} (default 30, quick 3), {@code
   *     --observability-rounds N} (pairs of bursts per shape, default 8, quick 1), {@code
   *     --no-jdk25}, {@code --skip-heap}, {@code --skip-postgres}, {@code --floor} (the
   *     observability phase also runs off against {@link LibraryFloor}, not judged), {@code --lean}
   *     (and off against on with trimmed back ends, not judged), {@code --strict} (exit status 1
   *     when a target is missed)
   * @throws Exception if a phase fails to run
   */
  public static void main(String[] args) throws Exception {
    // the phases create thousands of webhooks: keep the library's INFO lines out of the report
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    LoadHarness h = new LoadHarness(args);
    Duration limit = Duration.ofMinutes(intArg(args, "--time-limit-minutes", h.quick ? 4 : 60));
    watchdog(limit);
    if (has(args, "--child")) {
      exitWhenParentGoes();
    }
    Set<String> phases = h.selectedPhases();
    System.out.printf(
        Locale.ROOT,
        "Hookline load harness%s: %d cores, JDK %s, %d-byte bodies, phases %s, %d round(s),"
            + " time limit %s%n",
        h.quick ? " (quick)" : "",
        Runtime.getRuntime().availableProcessors(),
        Runtime.version(),
        h.body.length,
        String.join(",", phases),
        h.rounds,
        limit);
    long start = System.nanoTime();
    try {
      for (String phase : phases) {
        long t0 = System.nanoTime();
        System.out.println();
        System.out.println("== " + phase);
        switch (phase) {
          case "fast" -> h.fast();
          case "pg-burst" -> h.pgBurst();
          case "pg-paced" -> h.pgPaced();
          case "slow" -> h.slow();
          case "idle-webhooks" -> h.idleWebhooks();
          case "observability" -> h.observability();
          case "heap" -> h.heap();
          default -> throw new IllegalArgumentException("unknown phase " + phase);
        }
        System.out.printf(
            Locale.ROOT, "  (%s took %.0f s)%n", phase, (System.nanoTime() - t0) / 1e9);
      }
    } finally {
      Children.closeAll();
    }
    if (!has(args, "--child")) {
      Verdicts.printSummary();
      System.out.printf(Locale.ROOT, "harness took %.0f s%n", (System.nanoTime() - start) / 1e9);
    }
    System.out.flush();
    // exit explicitly: no stray non-daemon thread (an HTTP client's) may keep the JVM up
    System.exit(has(args, "--strict") && Verdicts.failures() > 0 ? 1 : 0);
  }

  private Set<String> selectedPhases() {
    Set<String> chosen = new LinkedHashSet<>();
    String list = stringArg(args, "--phases", String.join(",", PHASES));
    for (String p : list.split(",", -1)) {
      String name = p.trim();
      if (!PHASES.contains(name)) {
        throw new IllegalArgumentException("unknown phase " + name + "; phases: " + PHASES);
      }
      chosen.add(name);
    }
    if (has(args, "--skip-heap")) {
      chosen.remove("heap");
    }
    if (has(args, "--skip-postgres")) {
      chosen.remove("pg-burst");
      chosen.remove("pg-paced");
    }
    // run in the canonical order whatever the order given
    List<String> ordered = new ArrayList<>(PHASES);
    ordered.retainAll(chosen);
    return new LinkedHashSet<>(ordered);
  }

  private Postgres postgres() throws IOException {
    if (postgres.isEmpty()) {
      long t0 = System.nanoTime();
      postgres = Optional.of(Postgres.start());
      System.out.printf(
          Locale.ROOT,
          "  (embedded PostgreSQL started in %.1f s)%n",
          (System.nanoTime() - t0) / 1e9);
    }
    return postgres.get();
  }

  // ---------------------------------------------------------------- fast

  private void fast() throws Exception {
    requireNginx();
    try (NginxSink sink = NginxSink.start()) {
      URI target = URI.create(Setups.loopback(sink.url("/hook")));
      double capacity = wrk(sink.url("/hook"), 64, Math.max(2, seconds / 2));
      System.out.printf(
          Locale.ROOT, "  sink capacity (wrk, 64 connections): %,.0f req/s%n", capacity);
      Duration warm = Duration.ofSeconds(quick ? 1 : Math.max(2, seconds / 3));
      // Until the JIT is quiet (JitWarmup), as pg-burst does: one fixed warm-up left the first
      // round's rates well below the later ones. At most eight steps, as the JVMs of the burst
      // phases: on a machine that runs raw java.net.http at 25,000 req/s, four steps gave up with
      // the JIT still compiling for 4 to 5 s of each 6 s step, and Hookline's rounds then rose
      // from the first to the third (18,739 to 21,692/s) while raw's stayed flat.
      JitWarmup.untilQuiet(
          "raw, then Hookline, " + warm.toSeconds() + " s each",
          quick ? 1 : 8,
          () -> {
            RawHttpBaseline.Result r = RawHttpBaseline.run(target, body, threads, warm);
            HooklinePhase.Result h =
                HooklinePhase.run(
                    new InMemoryStore(), target.toString(), body.length, threads, warm);
            return String.format(
                Locale.ROOT, "raw %,.0f req/s, Hookline %,.0f/s", r.perSecond(), h.perSecond());
          });
      // Rounds of raw then Hookline; CPU per request is this process's CPU time (nginx runs in
      // its own processes) divided by the requests completed.
      List<Double> rawRates = new ArrayList<>();
      List<Double> hooklineRates = new ArrayList<>();
      List<Double> ratios = new ArrayList<>();
      List<Double> rawCpu = new ArrayList<>();
      List<Double> hooklineCpu = new ArrayList<>();
      for (int round = 1; round <= rounds; round++) {
        long cpu0 = ProcessCpu.nanos();
        RawHttpBaseline.Result raw =
            RawHttpBaseline.run(target, body, threads, Duration.ofSeconds(seconds));
        long cpu1 = ProcessCpu.nanos();
        HooklinePhase.Result hookline =
            HooklinePhase.run(
                new InMemoryStore(),
                target.toString(),
                body.length,
                threads,
                Duration.ofSeconds(seconds));
        long cpu2 = ProcessCpu.nanos();
        double rawUs = (cpu1 - cpu0) / 1e3 / Math.max(1, raw.requests());
        double hooklineUs = (cpu2 - cpu1) / 1e3 / Math.max(1, hookline.delivered());
        rawRates.add(raw.perSecond());
        hooklineRates.add(hookline.perSecond());
        ratios.add(hookline.perSecond() / raw.perSecond());
        rawCpu.add(rawUs);
        hooklineCpu.add(hooklineUs);
        System.out.printf(
            Locale.ROOT,
            "  round %d: raw %,.0f req/s (%s, %.0f us CPU/req, errors %d) | Hookline %,.0f"
                + " deliveries/s (%s, %.0f us CPU/delivery, failed attempts %d) | ratio %.2f%n",
            round,
            raw.perSecond(),
            raw.latencies().summary(),
            rawUs,
            raw.errors(),
            hookline.perSecond(),
            hookline.latencies().summary(),
            hooklineUs,
            hookline.failedAttempts(),
            hookline.perSecond() / raw.perSecond());
      }
      System.out.printf(
          Locale.ROOT,
          "  raw java.net.http (%d threads): %,.0f req/s median, %.0f us CPU per request%n",
          threads,
          median(rawRates),
          median(rawCpu));
      System.out.printf(
          Locale.ROOT,
          "  Hookline in-memory (%d workers): %,.0f deliveries/s median, %.0f us CPU per"
              + " delivery%n",
          threads,
          median(hooklineRates),
          median(hooklineCpu));
      double cpuRatio = median(hooklineCpu) / median(rawCpu);
      Verdicts.check(
          "fast",
          "Hookline/raw >= 0.8",
          String.format(Locale.ROOT, "%.2f", median(ratios)),
          median(ratios) >= 0.8);
      Verdicts.check(
          "fast",
          "CPU per delivery <= 1.6x raw",
          String.format(
              Locale.ROOT,
              "%.2fx (%.0f vs %.0f us)",
              cpuRatio,
              median(hooklineCpu),
              median(rawCpu)),
          cpuRatio <= 1.6);
    }
  }

  // ---------------------------------------------------------------- pg-burst

  private void pgBurst() throws Exception {
    requireNginx();
    int deliveries = intArg(args, "--burst", quick ? 1_500 : 50_000);
    Duration maxWait = Duration.ofSeconds(quick ? 15 : 120);
    System.out.printf(
        Locale.ROOT,
        "  %,d deliveries per burst (events fanned out to every endpoint: %,d events x 1 endpoint,"
            + " %,d events x 100 endpoints), published in batches of %d, default dispatcher"
            + " settings, nginx sink; wait at most %s%n",
        deliveries,
        deliveries,
        deliveries / 100,
        BurstPhase.BATCH,
        maxWait);
    try (NginxSink sink = NginxSink.start()) {
      String base = sink.url("");
      Postgres pg = postgres();
      warmBurst(pg, base, Math.min(quick ? 1_000 : 50_000, deliveries));
      for (int endpoints : new int[] {1, 100}) {
        List<Double> mem = new ArrayList<>();
        List<Double> sql = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
          long jit = JitWarmup.compiledMillis();
          BurstPhase.Result m = burst(new InMemoryStore(), base, endpoints, 0, deliveries, maxWait);
          long jitMem = JitWarmup.compiledMillis() - jit;
          BurstPhase.Result p;
          try (Postgres.Store s = pg.freshStore()) {
            jit = JitWarmup.compiledMillis();
            p = burst(s.store(), base, endpoints, 0, deliveries, maxWait);
          }
          long jitPg = JitWarmup.compiledMillis() - jit;
          mem.add(m.perSecond());
          sql.add(p.perSecond());
          ratios.add(p.perSecond() / m.perSecond());
          System.out.printf(
              Locale.ROOT,
              "  %d endpoint(s), round %d: in-memory %s | PostgreSQL %s | ratio %.2f"
                  + " (JIT compiled %,d ms during in-memory, %,d ms during PostgreSQL)%n",
              endpoints,
              round,
              m.describe(),
              p.describe(),
              p.perSecond() / m.perSecond(),
              jitMem,
              jitPg);
        }
        System.out.printf(
            Locale.ROOT,
            "  %d endpoint(s), both stores in this JVM (not judged): PostgreSQL/in-memory %.2f"
                + " (PostgreSQL %,.0f/s vs in-memory %,.0f/s, medians)%n",
            endpoints,
            median(ratios),
            median(sql),
            median(mem));
      }
      // Judged: each store in a JVM of its own, as an application runs one store (BurstJvms).
      int pairs = intArg(args, "--pairs", quick ? 1 : 8);
      System.out.printf(
          Locale.ROOT,
          "  each store in a JVM of its own, both warmed, then %d pair(s) of bursts per endpoint"
              + " count, taking turns%n",
          pairs);
      List<BurstJvms.Pairs> results;
      try {
        results =
            BurstJvms.takeTurns(
                BurstJvms.Setup.off("in-memory"),
                BurstJvms.Setup.off("postgresql"),
                List.of(1, 100),
                pairs,
                base,
                burstJvmPlan(deliveries, maxWait));
      } catch (IOException e) {
        // a child JVM failed (its output, echoed above, says why): judged, not thrown
        Verdicts.check("pg-burst", "a JVM per store", "failed: " + e.getMessage(), false);
        return;
      }
      for (BurstJvms.Pairs p : results) {
        BurstJvms.judge(
            "pg-burst",
            p.shape() + ": PostgreSQL/in-memory >= 0.5",
            p,
            0.5,
            "in-memory",
            "PostgreSQL");
        if (p.endpoints == 100) {
          double rate = median(p.b);
          Verdicts.check(
              "pg-burst",
              "100 endpoints: PostgreSQL >= 4,000 deliveries/s",
              String.format(
                  Locale.ROOT, "%,.0f/s (median of %d bursts, its own JVM)", rate, p.b.size()),
              p.complete() && rate >= 4_000);
        }
      }
    }
  }

  /** One paced run on the in-memory store, then one on a fresh PostgreSQL store. */
  private PacedPhase.Result[] pacedPair(
      Postgres pg, String base, int rate, int seconds, Duration drain) throws Exception {
    PacedPhase.Result m =
        PacedPhase.run(
            new InMemoryStore(), base, rate, Duration.ofSeconds(seconds), body.length, drain);
    try (Postgres.Store s = pg.freshStore()) {
      return new PacedPhase.Result[] {
        m, PacedPhase.run(s.store(), base, rate, Duration.ofSeconds(seconds), body.length, drain)
      };
    }
  }

  /**
   * Runs both stores, unmeasured, through both shapes of the measured bursts, so that the rounds
   * compare code the JIT has compiled on both sides. A JFR thread-CPU profile of a cold PostgreSQL
   * burst showed the C2 compiler threads as the process's largest CPU user (pgjdbc and the store's
   * code compile later than the in-memory path, which the other phases have already warmed). A
   * fixed 10,000-delivery warm-up was not enough: the compiler threads kept 23 to 32 % of the
   * machine through the first measured round, whose in-memory run (first in the round) came out at
   * half its later rate. So full-size bursts are repeated until one is JIT-quiet ({@link
   * JitWarmup}), at most four times; once in {@code --quick}. Equal work for both stores; the
   * warm-up's own rates are printed, not judged.
   */
  private void warmBurst(Postgres pg, String base, int deliveries) throws Exception {
    Duration wait = Duration.ofSeconds(quick ? 10 : 120);
    for (int endpoints : new int[] {1, 100}) {
      int e = endpoints;
      JitWarmup.untilQuiet(
          endpoints + " endpoint(s)",
          quick ? 1 : 4,
          () -> {
            BurstPhase.Result m = burst(new InMemoryStore(), base, e, 0, deliveries, wait);
            BurstPhase.Result p;
            try (Postgres.Store s = pg.freshStore()) {
              p = burst(s.store(), base, e, 0, deliveries, wait);
            }
            return "in-memory " + m.describe() + " | PostgreSQL " + p.describe();
          });
    }
  }

  // ---------------------------------------------------------------- pg-paced

  private void pgPaced() throws Exception {
    requireNginx();
    int rate = intArg(args, "--paced-rate", 1_000);
    int pacedSeconds = intArg(args, "--paced-seconds", quick ? 3 : 30);
    System.out.printf(
        Locale.ROOT,
        "  %,d events/s for %d s, one publish per event, 1 endpoint (nginx), default settings%n",
        rate,
        pacedSeconds);
    try (NginxSink sink = NginxSink.start()) {
      String base = sink.url("");
      Postgres pg = postgres();
      Duration drain = Duration.ofSeconds(quick ? 3 : 30);
      // Unmeasured first, both stores alike, so that the judged runs time delivery rather than
      // the JIT compiling the path (run alone and cold, this phase's p99 swung from 40 to 340 ms).
      PacedPhase.Result[] warm = pacedPair(pg, base, rate, quick ? 1 : 5, drain);
      System.out.println("  (warm-up, not judged) in-memory : " + warm[0].describe());
      System.out.println("  (warm-up, not judged) PostgreSQL: " + warm[1].describe());
      PacedPhase.Result[] judged = pacedPair(pg, base, rate, pacedSeconds, drain);
      PacedPhase.Result p = judged[1];
      System.out.println("  in-memory : " + judged[0].describe());
      System.out.println("  PostgreSQL: " + p.describe());
      boolean all = p.undelivered() == 0;
      if (p.latencies().count() == 0) {
        Verdicts.check(
            "pg-paced", "PostgreSQL p99 publish-to-delivered < 50 ms", "nothing published", false);
        return;
      }
      double p99 = p.latencies().percentileMillis(0.99);
      Verdicts.check(
          "pg-paced",
          "PostgreSQL p99 publish-to-delivered < 50 ms",
          String.format(
                  Locale.ROOT,
                  "%sp99 %.1f ms, p50 %.1f ms, max %.1f ms",
                  all ? "" : ">= ",
                  p99,
                  p.latencies().percentileMillis(0.50),
                  p.latencies().percentileMillis(1.0))
              + (all
                  ? ""
                  : String.format(
                      Locale.ROOT,
                      " (%,d of %,d not delivered within %d s of the last publish, counted at"
                          + " their age)",
                      p.undelivered(),
                      p.published(),
                      drain.toSeconds())),
          all && p99 < 50);
    }
  }

  // ---------------------------------------------------------------- slow

  private void slow() throws Exception {
    int endpoints = intArg(args, "--slow-endpoints", 1_000);
    int slowSeconds = intArg(args, "--slow-seconds", quick ? 4 : 10);
    String jdk = "jdk" + Runtime.version().feature();
    System.out.printf(
        Locale.ROOT,
        "  %,d endpoints answering after 500 ms +- 20%% (delayed sink, its own JVM), %d s per run,"
            + " ramp-up of %d ms not counted; ideal %,.0f/s%n",
        endpoints,
        slowSeconds,
        SlowPhase.RAMP.toMillis(),
        endpoints / 0.5);
    try (DelayedSink.Handle sink = DelayedSink.start(500, 0.2)) {
      String base = sink.url("");
      // The sink's own capacity, at twice the in-flight count of the runs below; the first
      // answers come after the delay, so the most it can show in the window is the ideal rate
      // times (window - delay) / window.
      int wrkSeconds = quick ? 3 : 5;
      double capacity = wrk(sink.url("/e0"), 2 * endpoints, wrkSeconds);
      double ideal = 2 * endpoints / 0.5 * (wrkSeconds - 0.5) / wrkSeconds;
      System.out.printf(
          Locale.ROOT,
          "  delayed sink capacity (wrk, %,d connections, %d s): %,.0f req/s (at most %,.0f/s"
              + " with that delay)%n",
          2 * endpoints,
          wrkSeconds,
          capacity,
          ideal);
      Duration d = Duration.ofSeconds(slowSeconds);
      if (!quick) {
        SlowPhase.raw(base, endpoints, body, Duration.ofSeconds(3)); // warm-up
      }
      List<Double> raws = new ArrayList<>();
      List<Double> hooks = new ArrayList<>();
      List<Double> ratios = new ArrayList<>();
      for (int round = 1; round <= rounds; round++) {
        SlowPhase.Result raw = SlowPhase.raw(base, endpoints, body, d);
        SlowPhase.Result hook = SlowPhase.hookline(base, endpoints, body.length, d);
        raws.add(raw.perSecond());
        hooks.add(hook.perSecond());
        ratios.add(hook.perSecond() / raw.perSecond());
        System.out.printf(
            Locale.ROOT,
            "  round %d: raw sendAsync (%,d in flight) %,.0f req/s (errors %d) | Hookline default"
                + " %,.0f deliveries/s (failed attempts %d) | ratio %.2f%n",
            round,
            endpoints,
            raw.perSecond(),
            raw.errors(),
            hook.perSecond(),
            hook.errors(),
            hook.perSecond() / raw.perSecond());
      }
      double best = Math.max(Collections.max(raws), Collections.max(hooks));
      if (capacity > 0) {
        Verdicts.check(
            "slow/" + jdk,
            "sink capacity >= 1.2x the best rate measured (not the bottleneck)",
            String.format(Locale.ROOT, "%,.0f vs %,.0f req/s", capacity, best),
            capacity >= 1.2 * best);
      }
      Verdicts.check(
          "slow/" + jdk,
          "Hookline default/raw sendAsync >= 0.9",
          String.format(
              Locale.ROOT,
              "%.2f (%,.0f vs %,.0f/s, medians)",
              median(ratios),
              median(hooks),
              median(raws)),
          median(ratios) >= 0.9);
    }
    if (Runtime.version().feature() < 21 && !has(args, "--no-jdk25")) {
      Optional<Path> jdk25 = jdk25();
      if (jdk25.isEmpty()) {
        System.out.println("  (no /usr/lib/jvm/temurin-25*: the JDK 25 run is skipped)");
      } else {
        runOnJdk25(jdk25.get());
      }
    }
  }

  private static Optional<Path> jdk25() throws IOException {
    Path jvms = Path.of("/usr/lib/jvm");
    if (!Files.isDirectory(jvms)) {
      return Optional.empty();
    }
    try (Stream<Path> s = Files.list(jvms)) {
      return s.filter(p -> p.getFileName().toString().startsWith("temurin-25"))
          .map(p -> p.resolve("bin/java"))
          .filter(Files::isExecutable)
          .sorted()
          .findFirst();
    }
  }

  /** The slow phase again in a child JVM on JDK 25; its verdicts join this run's summary. */
  private void runOnJdk25(Path java) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.addAll(
        List.of(
            java.toString(),
            "-Xms1g",
            "-Xmx1g",
            "-cp",
            System.getProperty("java.class.path"),
            LoadHarness.class.getName(),
            "--phases",
            "slow",
            "--child",
            "--no-jdk25"));
    for (String passOn :
        List.of("--rounds", "--slow-seconds", "--slow-endpoints", "--body-bytes")) {
      Optional<String> v = optionalArg(args, passOn);
      if (v.isPresent()) {
        cmd.add(passOn);
        cmd.add(v.get());
      }
    }
    if (quick) {
      cmd.add("--quick");
    }
    System.out.println("  -- again on " + java);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    AutoCloseable stop =
        Children.register(
            new AutoCloseable() {
              @Override
              public void close() {
                p.destroy();
              }

              @Override
              public String toString() {
                return "JDK 25 child harness";
              }
            });
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (!Verdicts.adopt(line, "")) {
          System.out.println("  [jdk25] " + line);
        }
      }
    }
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    Children.closed(stop);
  }

  // ---------------------------------------------------------------- observability

  /**
   * Issue 16: bursts with both observability modules on against off, per store, each setup in a JVM
   * of its own, the two taking turns ({@link BurstJvms}). Quick: in-memory only, 1 endpoint.
   */
  private void observability() throws Exception {
    requireNginx();
    BurstJvms.Plan plan =
        burstJvmPlan(
            intArg(args, "--burst", quick ? 5_000 : 50_000), Duration.ofSeconds(quick ? 15 : 120));
    List<Integer> endpoints = quick ? List.of(1) : List.of(1, 100);
    int pairs = intArg(args, "--pairs", quick ? 1 : 8);
    System.out.printf(
        Locale.ROOT,
        "  bursts of %,d deliveries at default settings, hookline-micrometer and"
            + " hookline-opentelemetry off vs on: per store a JVM per setup, both warmed, then"
            + " %d pair(s) of bursts per endpoint count, taking turns%n",
        plan.deliveries(),
        pairs);
    List<String> stores =
        quick || has(args, "--skip-postgres")
            ? List.of("in-memory")
            : List.of("in-memory", "postgresql");
    try (NginxSink sink = NginxSink.start()) {
      for (String store : stores) {
        List<BurstJvms.Pairs> results;
        try {
          results =
              BurstJvms.takeTurns(
                  BurstJvms.Setup.off(store),
                  new BurstJvms.Setup(store, "on"),
                  endpoints,
                  pairs,
                  sink.url(""),
                  plan);
        } catch (IOException e) {
          // a child JVM failed (its output, echoed above, says why): judged, not thrown
          Verdicts.check("observability", store, "failed: " + e.getMessage(), false);
          continue;
        }
        for (BurstJvms.Pairs p : results) {
          BurstJvms.judge(
              "observability",
              store + ", " + p.shape() + ": modules on >= 0.95x off",
              p,
              0.95,
              "off",
              "on");
        }
        if (has(args, "--floor")) {
          // Not judged: the least the two libraries cost (LibraryFloor) against off, the same way.
          notJudged(
              "the libraries' floor (--floor)",
              store,
              "off",
              "floor",
              endpoints,
              pairs,
              sink,
              plan);
        }
        if (has(args, "--lean")) {
          // Not judged: both sides with the back ends trimmed as a deployment can (no long task
          // timer, one trace in ten sampled), to tell what those settings buy.
          notJudged(
              "lean back ends (--lean)", store, "lean-off", "lean", endpoints, pairs, sink, plan);
        }
      }
    }
  }

  /** Runs two setups of the observability phase against each other, and prints their ratios. */
  private static void notJudged(
      String what,
      String store,
      String baseline,
      String other,
      List<Integer> endpoints,
      int pairs,
      NginxSink sink,
      BurstJvms.Plan plan)
      throws IOException {
    System.out.println("  " + what + ", not judged:");
    for (BurstJvms.Pairs p :
        BurstJvms.takeTurns(
            new BurstJvms.Setup(store, baseline),
            new BurstJvms.Setup(store, other),
            endpoints,
            pairs,
            sink.url(""),
            plan)) {
      System.out.printf(
          Locale.ROOT,
          "  %s, %s; %s/%s %.2f (median of %d pairs)%n",
          store,
          p.describe(baseline, other),
          other,
          baseline,
          p.ratio(),
          p.ratios.size());
    }
  }

  /** One burst at default settings, with nothing added ({@link BurstPhase}). */
  private BurstPhase.Result burst(
      Store store, String base, int endpoints, int notReceiving, int deliveries, Duration maxWait) {
    return BurstPhase.run(
        store,
        base,
        endpoints,
        notReceiving,
        deliveries,
        body.length,
        maxWait,
        HooklinePhase.Instrumentation.OFF);
  }

  /** The bursts of the phases that run a JVM per setup. */
  private BurstJvms.Plan burstJvmPlan(int deliveries, Duration maxWait) {
    // Warm-up: steps of every shape until the JIT is quiet, at most eight (two in --quick). Four
    // were too few for the faster setup: its steps are shorter, so it had less time to compile,
    // and it gave up still compiling (14 % of a step) while the slower one was warm by its third;
    // its first pairs then ran cold and flattered the other's ratio.
    return new BurstJvms.Plan(deliveries, quick ? 2 : 8, maxWait, body.length);
  }

  // ---------------------------------------------------------------- idle-webhooks

  private void idleWebhooks() throws Exception {
    requireNginx();
    int idle = intArg(args, "--idle", 3_000);
    int endpoints = 20;
    // quick: bursts shorter than a second are mostly noise, so they get more
    int memDeliveries = intArg(args, "--idle-burst", quick ? 5_000 : 20_000);
    int pgDeliveries = intArg(args, "--idle-burst", quick ? 4_000 : 20_000);
    Duration maxWait = Duration.ofSeconds(quick ? 8 : 60);
    System.out.printf(
        Locale.ROOT,
        "  burst of %,d (in-memory) and %,d (PostgreSQL) deliveries to %d endpoints (default"
            + " settings), without and with %,d"
            + " webhooks for the same events that do not receive (half pending verification, half"
            + " verified and disabled)%n",
        memDeliveries,
        pgDeliveries,
        endpoints,
        idle);
    try (NginxSink sink = NginxSink.start()) {
      String base = sink.url("");
      boolean withPg = !has(args, "--skip-postgres");
      for (String store : withPg ? List.of("in-memory", "PostgreSQL") : List.of("in-memory")) {
        Supplier<Postgres.Store> pgStore =
            () -> {
              try {
                return postgres().freshStore();
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            };
        List<Double> without = new ArrayList<>();
        List<Double> with = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        int deliveries = store.equals("in-memory") ? memDeliveries : pgDeliveries;
        // Warm-up, unmeasured, so that the first measured run does not pay for the JIT alone.
        idleBurst(store, pgStore, base, endpoints, 0, deliveries, maxWait);
        for (int round = 1; round <= rounds; round++) {
          BurstPhase.Result a;
          BurstPhase.Result b;
          long t0 = System.nanoTime();
          // Alternating which goes first, so that neither side always runs the warmer.
          if (round % 2 == 1) {
            a = idleBurst(store, pgStore, base, endpoints, 0, deliveries, maxWait);
            b = idleBurst(store, pgStore, base, endpoints, idle, deliveries, maxWait);
          } else {
            b = idleBurst(store, pgStore, base, endpoints, idle, deliveries, maxWait);
            a = idleBurst(store, pgStore, base, endpoints, 0, deliveries, maxWait);
          }
          without.add(a.perSecond());
          with.add(b.perSecond());
          ratios.add(b.perSecond() / a.perSecond());
          System.out.printf(
              Locale.ROOT,
              "  %s, round %d: without %s | with %,d idle %s | ratio %.2f (round took %.0f s)%n",
              store,
              round,
              a.describe(),
              idle,
              b.describe(),
              b.perSecond() / a.perSecond(),
              (System.nanoTime() - t0) / 1e9);
        }
        Verdicts.check(
            "idle-webhooks",
            store + ": with/without " + idle + " idle webhooks >= 0.9",
            String.format(
                Locale.ROOT,
                "%.2f (%,.0f vs %,.0f/s, medians)",
                median(ratios),
                median(with),
                median(without)),
            median(ratios) >= 0.9);
      }
    }
  }

  /** One idle-webhooks burst, on a new in-memory store or a fresh PostgreSQL schema. */
  private BurstPhase.Result idleBurst(
      String store,
      Supplier<Postgres.Store> pgStore,
      String base,
      int endpoints,
      int idle,
      int deliveries,
      Duration maxWait)
      throws Exception {
    if (store.equals("in-memory")) {
      return burst(new InMemoryStore(), base, endpoints, idle, deliveries, maxWait);
    }
    try (Postgres.Store s = pgStore.get()) {
      return burst(s.store(), base, endpoints, idle, deliveries, maxWait);
    }
  }

  // ---------------------------------------------------------------- heap

  private void heap() {
    int events = quick ? 10_000 : 100_000;
    double perDelivery = PendingHeap.bytesPerPendingDelivery(events, 10);
    Verdicts.check(
        "heap",
        "heap per pending delivery <= 500 bytes",
        String.format(
            Locale.ROOT, "%.0f bytes (in-memory store, %,d pending)", perDelivery, events * 10),
        perDelivery <= 500);
  }

  // ---------------------------------------------------------------- helpers

  private static void requireNginx() {
    if (!NginxSink.available()) {
      throw new IllegalStateException(
          "nginx is not installed: run benchmarks/load, which installs Debian's nginx-light");
    }
  }

  /**
   * Measures a loopback sink with wrk (a C load generator, two threads) POSTing a body of the
   * harness's size; 0 when wrk is not installed.
   */
  private double wrk(String url, int connections, int seconds) throws Exception {
    Path wrk = Path.of("/usr/bin/wrk");
    if (!Files.isExecutable(wrk)) {
      System.out.println("  (wrk not installed; benchmarks/load installs it)");
      return 0;
    }
    Path script = Files.createTempFile("post", ".lua");
    Files.writeString(
        script,
        "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\n"
            + "wrk.body = string.rep(\"x\", "
            + body.length
            + ")\n");
    try {
      Process p =
          new ProcessBuilder(
                  wrk.toString(),
                  "-t2",
                  "-c" + connections,
                  "-d" + seconds + "s",
                  "--timeout",
                  "5s",
                  "-s",
                  script.toString(),
                  Setups.loopback(url))
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(seconds + 30L, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      return out.lines()
          .filter(l -> l.startsWith("Requests/sec"))
          .findFirst()
          .map(l -> Double.parseDouble(l.replace("Requests/sec:", "").trim()))
          .orElse(0.0);
    } finally {
      Files.deleteIfExists(script);
    }
  }

  /** Ends the JVM (and so, through the shutdown hook, every child) at the time limit. */
  private static void watchdog(Duration limit) {
    Thread t =
        new Thread(
            () -> {
              try {
                TimeUnit.NANOSECONDS.sleep(limit.toNanos());
              } catch (InterruptedException e) {
                return;
              }
              System.out.println("time limit of " + limit + " reached: stopping");
              Verdicts.printSummary();
              System.exit(2);
            },
            "harness-time-limit");
    t.setDaemon(true);
    t.start();
  }

  /** A child harness ends when its parent does (its standard input closes). */
  static void exitWhenParentGoes() {
    Thread t =
        new Thread(
            () -> {
              try {
                while (System.in.read() >= 0) {
                  // the parent never writes
                }
              } catch (IOException e) {
                // gone
              }
              System.exit(3);
            },
            "parent-watch");
    t.setDaemon(true);
    t.start();
  }

  static byte[] jsonBody(int size) {
    StringBuilder b =
        new StringBuilder("{\"id\":\"evt_x\",\"type\":\"user.updated\",\"data\":{\"pad\":\"");
    while (b.length() < size - 3) {
      b.append('x');
    }
    b.append("\"}}");
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    java.util.Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static boolean has(String[] args, String flag) {
    return Arrays.asList(args).contains(flag);
  }

  private static Optional<String> optionalArg(String[] args, String name) {
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals(name)) {
        return Optional.of(args[i + 1]);
      }
    }
    return Optional.empty();
  }

  static String stringArg(String[] args, String name, String fallback) {
    return optionalArg(args, name).orElse(fallback);
  }

  static int intArg(String[] args, String name, int fallback) {
    return optionalArg(args, name).map(Integer::parseInt).orElse(fallback);
  }
}
