package dev.hookline.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Warms the JIT up before measured rounds: repeats a warm-up step until the JIT compiles for less
 * than {@value #QUIET_SHARE_PERCENT} % of the step's wall time, or the step has run {@code max}
 * times.
 *
 * <p>Why: on this 2-core machine the compiler threads take a whole core for the first half minute
 * of a run (measured with JFR's per-thread CPU during {@code benchmarks/load --phases pg-burst}: 23
 * to 32 % of the machine for 35 s, under 6 % after). A fixed warm-up that ends earlier leaves the
 * first measured round of whichever variant runs first sharing the machine with the compiler, and
 * the PostgreSQL path (pgjdbc, the group commit) has more code to compile than the in-memory one.
 * That round's ratio then says more about the JIT than about the variants.
 *
 * <p>The JIT never falls fully silent in these runs: after four 50,000-delivery bursts per store it
 * still compiled for 6 to 9 % of the wall time (recompilations, deoptimisations), hence the {@value
 * #QUIET_SHARE_PERCENT} % bar. The harnesses print how long the JIT compiled during each measured
 * round, so that a reader can see whether a round was warm.
 */
final class JitWarmup {
  /** A step during which the JIT compiled less than this share of the wall time is warm. */
  static final int QUIET_SHARE_PERCENT = 10;

  private static final CompilationMXBean JIT = ManagementFactory.getCompilationMXBean();

  private JitWarmup() {}

  /**
   * Returns the JIT's total compilation time so far, in milliseconds; 0 if the JVM does not tell.
   *
   * @return milliseconds
   */
  static long compiledMillis() {
    return JIT != null && JIT.isCompilationTimeMonitoringSupported()
        ? JIT.getTotalCompilationTime()
        : 0;
  }

  /**
   * Runs {@code step} until a run of it is JIT-quiet, at most {@code max} times (at least once).
   *
   * @param label what is warmed, for the printed line
   * @param max the most runs
   * @param step one warm-up step; returns a description of what it did, printed
   * @return how many runs it took
   * @throws Exception from the step
   */
  static int untilQuiet(String label, int max, Callable<String> step) throws Exception {
    for (int i = 1; ; i++) {
      long jitBefore = compiledMillis();
      long start = System.nanoTime();
      String what = step.call();
      double wallMillis = (System.nanoTime() - start) / 1e6;
      long jit = compiledMillis() - jitBefore;
      boolean quiet = jit < wallMillis * QUIET_SHARE_PERCENT / 100;
      System.out.printf(
          Locale.ROOT,
          "  (warm-up %d, not judged) %s: %s; JIT compiled for %,d ms of %,.0f ms (%s)%n",
          i,
          label,
          what,
          jit,
          wallMillis,
          quiet ? "warm" : i >= max ? "still compiling: giving up warming" : "again");
      if (quiet || i >= max) {
        return i;
      }
    }
  }
}
