package dev.hookline.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
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
   *     {@code --body-bytes N} (default 1024), {@code --skip-heap}, {@code --skip-postgres}
   * @throws Exception if a phase fails
   */
  public static void main(String[] args) throws Exception {
    int seconds = intArg(args, "--seconds", 10);
    int threads = intArg(args, "--threads", 32);
    int bodyBytes = intArg(args, "--body-bytes", 1024);
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
      RawHttpBaseline.Result raw =
          RawHttpBaseline.run(target, body, threads, Duration.ofSeconds(seconds));
      System.out.printf(
          Locale.ROOT,
          "raw java.net.http   : %,.0f req/s  latency %s  errors %d%n",
          raw.perSecond(),
          raw.latencies().summary(),
          raw.errors());
      // warm-up, then the measured run, on a fresh in-memory store each time
      HooklinePhase.run(
          new dev.hookline.store.InMemoryStore(),
          target.toString(),
          body.length,
          threads,
          Duration.ofSeconds(Math.max(2, seconds / 3)));
      HooklinePhase.Result hookline =
          HooklinePhase.run(
              new dev.hookline.store.InMemoryStore(),
              target.toString(),
              body.length,
              threads,
              Duration.ofSeconds(seconds));
      System.out.printf(
          Locale.ROOT,
          "Hookline (in-memory): %,.0f deliveries/s  publish-to-delivered %s  failed attempts %d%n",
          hookline.perSecond(),
          hookline.latencies().summary(),
          hookline.failedAttempts());
      System.out.printf(
          Locale.ROOT,
          "ratio Hookline/raw  : %.2f (target >= 0.8)%n",
          hookline.perSecond() / raw.perSecond());
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
                      dev.hookline.AesGcmSecretCipher.builder().primaryKey("load", key).build())
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
              pgResult.perSecond() / raw.perSecond(),
              pgResult.perSecond() / hookline.perSecond());
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

  static int intArg(String[] args, String name, int fallback) {
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals(name)) {
        return Integer.parseInt(args[i + 1]);
      }
    }
    return fallback;
  }
}
