package dev.hookline.bench;

import dev.hookline.store.InMemoryStore;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The fast-sink load phase (nginx, {@link RawHttpBaseline} against {@link HooklinePhase}, the same
 * closed loop as {@link LoadHarness}) with Hookline's attempts on platform threads and on virtual
 * threads, side by side in each round: checks that a thread model chosen for slow endpoints costs
 * nothing against a fast one. {@code java -cp benchmarks/target/benchmarks.jar
 * dev.hookline.bench.FastSinkThreads --seconds 6 --rounds 3 --threads 32}; on JDK 17 both Hookline
 * runs use platform threads.
 */
public final class FastSinkThreads {
  private FastSinkThreads() {}

  /**
   * Runs the comparison.
   *
   * @param args {@code --seconds N} (6), {@code --rounds N} (3), {@code --threads N} (32), {@code
   *     --body-bytes N} (1024)
   * @throws Exception if a phase fails
   */
  public static void main(String[] args) throws Exception {
    int seconds = intArg(args, "--seconds", 6);
    int rounds = intArg(args, "--rounds", 3);
    int threads = intArg(args, "--threads", 32);
    byte[] body = LoadHarness.jsonBody(intArg(args, "--body-bytes", 1024));
    System.out.printf(
        Locale.ROOT,
        "Fast sink, thread models: JDK %s, %d threads / in flight, %d s per phase%n",
        Runtime.version(),
        threads,
        seconds);
    try (NginxSink sink = NginxSink.start()) {
      URI target = URI.create(sink.url("/hook"));
      RawHttpBaseline.run(target, body, threads, Duration.ofSeconds(2));
      hookline(target, body.length, threads, 2, false);
      hookline(target, body.length, threads, 2, true);
      List<Double> platform = new ArrayList<>();
      List<Double> virtual = new ArrayList<>();
      List<Double> platformCpu = new ArrayList<>();
      List<Double> virtualCpu = new ArrayList<>();
      List<Double> rawCpu = new ArrayList<>();
      List<Double> raw = new ArrayList<>();
      for (int round = 1; round <= rounds; round++) {
        long c0 = ProcessCpu.nanos();
        RawHttpBaseline.Result r =
            RawHttpBaseline.run(target, body, threads, Duration.ofSeconds(seconds));
        long c1 = ProcessCpu.nanos();
        HooklinePhase.Result p = hookline(target, body.length, threads, seconds, false);
        long c2 = ProcessCpu.nanos();
        HooklinePhase.Result v = hookline(target, body.length, threads, seconds, true);
        long c3 = ProcessCpu.nanos();
        raw.add(r.perSecond());
        platform.add(p.perSecond());
        virtual.add(v.perSecond());
        rawCpu.add((c1 - c0) / 1e3 / Math.max(1, r.requests()));
        platformCpu.add((c2 - c1) / 1e3 / Math.max(1, p.delivered()));
        virtualCpu.add((c3 - c2) / 1e3 / Math.max(1, v.delivered()));
        System.out.printf(
            Locale.ROOT,
            "round %d: raw %,.0f req/s %.0f us | platform %,.0f/s %.0f us | virtual %,.0f/s %.0f"
                + " us%n",
            round,
            r.perSecond(),
            rawCpu.get(round - 1),
            p.perSecond(),
            platformCpu.get(round - 1),
            v.perSecond(),
            virtualCpu.get(round - 1));
      }
      System.out.printf(
          Locale.ROOT,
          "median: raw %,.0f req/s (%.0f us CPU/req) | platform threads %,.0f/s (%.0f us, %.2fx"
              + " raw) | virtual threads %,.0f/s (%.0f us, %.2fx raw)%n",
          LoadHarness.median(raw),
          LoadHarness.median(rawCpu),
          LoadHarness.median(platform),
          LoadHarness.median(platformCpu),
          LoadHarness.median(platform) / LoadHarness.median(raw),
          LoadHarness.median(virtual),
          LoadHarness.median(virtualCpu),
          LoadHarness.median(virtual) / LoadHarness.median(raw));
    }
  }

  private static HooklinePhase.Result hookline(
      URI target, int bodyBytes, int threads, int seconds, boolean virtual)
      throws InterruptedException {
    return HooklinePhase.run(
        new InMemoryStore(),
        target.toString(),
        bodyBytes,
        threads,
        Duration.ofSeconds(seconds),
        b -> b.virtualThreads(virtual));
  }

  private static int intArg(String[] args, String name, int def) {
    int i = Arrays.asList(args).indexOf(name);
    return i >= 0 && i + 1 < args.length ? Integer.parseInt(args[i + 1]) : def;
  }
}
