package dev.hookline.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The end-to-end load harness: in one run against one loopback sink it measures raw {@code
 * java.net.http} POSTs and Hookline publish-to-delivered, and the heap held per pending delivery.
 * Run it with {@code benchmarks/load} (which installs nginx for the sink if needed).
 */
public final class LoadHarness {
  private LoadHarness() {}

  /**
   * Runs the harness.
   *
   * @param args {@code --seconds N} (per phase, default 10), {@code --threads N} (default 32),
   *     {@code --body-bytes N} (default 1024), {@code --rounds N} (raw/Hookline pairs, default 3),
   *     {@code --skip-heap}, {@code --skip-postgres}
   * @throws Exception if a phase fails
   */
  public static void main(String[] args) throws Exception {
    int seconds = intArg(args, "--seconds", 10);
    int threads = intArg(args, "--threads", 32);
    int bodyBytes = intArg(args, "--body-bytes", 1024);
    int rounds = Math.max(1, intArg(args, "--rounds", 3));
    boolean skipHeap = Arrays.asList(args).contains("--skip-heap");
    boolean skipPostgres = Arrays.asList(args).contains("--skip-postgres");
    byte[] body = jsonBody(bodyBytes);
    System.out.printf(
        Locale.ROOT,
        "Hookline load harness: %d cores, JDK %s, %d-byte bodies, %d threads, %d s per phase%n",
        Runtime.getRuntime().availableProcessors(),
        Runtime.version(),
        body.length,
        threads,
        seconds);
    if (!NginxSink.available()) {
      throw new IllegalStateException(
          "nginx is not installed: run benchmarks/load, which installs Debian's nginx-light");
    }
    try (NginxSink sink = NginxSink.start()) {
      URI target = URI.create(sink.url("/hook"));
      sinkCapacity(sink, body, seconds);
      // warm-up, then the measured run
      RawHttpBaseline.run(target, body, threads, Duration.ofSeconds(Math.max(2, seconds / 3)));
      // warm-up of the Hookline phase too, on its own in-memory store
      HooklinePhase.run(
          new dev.hookline.store.InMemoryStore(),
          target.toString(),
          body.length,
          threads,
          Duration.ofSeconds(Math.max(2, seconds / 3)));
      // Rounds of raw then Hookline, side by side, so that a noisy neighbour slows both; the
      // summary is the median of the rounds. CPU per request is this process's CPU time (the
      // client's work: nginx runs in its own processes) divided by the requests completed.
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
                new dev.hookline.store.InMemoryStore(),
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
            "round %d: raw %,.0f req/s (%s, %.0f us CPU/req, errors %d) | Hookline %,.0f"
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
          "raw java.net.http   : %,.0f req/s (median of %d rounds), %.0f us CPU per request%n",
          median(rawRates),
          rounds,
          median(rawCpu));
      System.out.printf(
          Locale.ROOT,
          "Hookline (in-memory): %,.0f deliveries/s (median), %.0f us CPU per delivery%n",
          median(hooklineRates),
          median(hooklineCpu));
      System.out.printf(
          Locale.ROOT,
          "ratio Hookline/raw  : %.2f median of the rounds' ratios (target >= 0.8); CPU per"
              + " delivery / per raw request: %.2f%n",
          median(ratios),
          median(hooklineCpu) / median(rawCpu));
      if (!skipPostgres) {
        // the same phase through the PostgreSQL store (embedded), same sink, same concurrency
        try (io.zonky.test.db.postgres.embedded.EmbeddedPostgres pg =
                io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder().start();
            dev.hookline.testing.jdbc.SimpleConnectionPool pool =
                dev.hookline.testing.jdbc.SimpleConnectionPool.of(
                    pg.getPostgresDatabase(), threads + 8)) {
          byte[] key = new byte[32];
          new java.security.SecureRandom().nextBytes(key);
          dev.hookline.store.jdbc.PostgresStore postgres =
              dev.hookline.store.jdbc.PostgresStore.builder(pool)
                  .secretCipher(
                      dev.hookline.store.AesGcmSecretCipher.builder()
                          .primaryKey("load", key)
                          .build())
                  .build();
          HooklinePhase.Result pgResult =
              HooklinePhase.run(
                  postgres, target.toString(), body.length, threads, Duration.ofSeconds(seconds));
          System.out.printf(
              Locale.ROOT,
              "Hookline (postgres) : %,.0f deliveries/s  publish-to-delivered %s  failed attempts %d%n",
              pgResult.perSecond(),
              pgResult.latencies().summary(),
              pgResult.failedAttempts());
          System.out.printf(
              Locale.ROOT,
              "ratio postgres/raw  : %.2f, postgres/in-memory: %.2f%n",
              pgResult.perSecond() / median(rawRates),
              pgResult.perSecond() / median(hooklineRates));
        }
      }
    }
    if (!skipHeap) {
      double perDelivery = PendingHeap.bytesPerPendingDelivery(100_000, 10);
      System.out.printf(
          Locale.ROOT,
          "in-memory store     : %.0f bytes of heap per pending delivery (1,000,000 pending)%n",
          perDelivery);
    }
  }

  /**
   * Shows the sink is not the bottleneck: wrk (a C load generator) POSTs the same body to it with
   * one thread. Skipped with a note when wrk is not installed.
   */
  private static void sinkCapacity(NginxSink sink, byte[] body, int seconds) throws Exception {
    java.nio.file.Path wrk = java.nio.file.Path.of("/usr/bin/wrk");
    if (!java.nio.file.Files.isExecutable(wrk)) {
      System.out.println("sink capacity       : (wrk not installed; benchmarks/load installs it)");
      return;
    }
    java.nio.file.Path script = java.nio.file.Files.createTempFile("post", ".lua");
    java.nio.file.Files.writeString(
        script,
        "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.body = string.rep(\"x\", "
            + body.length
            + ")\n");
    Process p =
        new ProcessBuilder(
                wrk.toString(),
                "-t1",
                "-c64",
                "-d" + Math.max(2, seconds / 2) + "s",
                "-s",
                script.toString(),
                sink.url("/hook"))
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    java.nio.file.Files.deleteIfExists(script);
    String rate =
        out.lines().filter(l -> l.startsWith("Requests/sec")).findFirst().orElse("Requests/sec: ?");
    System.out.println(
        "sink capacity (wrk) : "
            + rate.replace("Requests/sec:", "").trim()
            + " req/s, 1 wrk thread, 64 connections");
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

  static int intArg(String[] args, String name, int fallback) {
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals(name)) {
        return Integer.parseInt(args[i + 1]);
      }
    }
    return fallback;
  }
}
