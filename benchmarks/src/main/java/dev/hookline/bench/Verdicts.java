package dev.hookline.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The load harness's targets and whether a run met them. Each check prints its line at once, and a
 * machine-readable copy ({@code VERDICT|phase|target|measured|PASS}) that a parent harness reads
 * from a child run on another JDK; {@link #printSummary} prints them all as one table at the end.
 * Thread-safe.
 */
final class Verdicts {
  private static final String PREFIX = "VERDICT|";
  private static final List<String[]> rows = new ArrayList<>();

  private Verdicts() {}

  static synchronized void check(String phase, String target, String measured, boolean pass) {
    String verdict = pass ? "PASS" : "FAIL";
    rows.add(new String[] {phase, target, measured, verdict});
    System.out.printf(
        Locale.ROOT, "  %-11s target %s: %s -> %s%n", phase, target, measured, verdict);
    System.out.println(PREFIX + phase + "|" + target + "|" + measured + "|" + verdict);
    System.out.flush();
  }

  /** Takes a verdict line printed by a child harness, if {@code line} is one. */
  static synchronized boolean adopt(String line, String phaseSuffix) {
    if (!line.startsWith(PREFIX)) {
      return false;
    }
    String[] f = line.substring(PREFIX.length()).split("\\|", -1);
    if (f.length == 4) {
      rows.add(new String[] {f[0] + phaseSuffix, f[1], f[2], f[3]});
    }
    return true;
  }

  static synchronized int failures() {
    int n = 0;
    for (String[] r : rows) {
      if (!r[3].equals("PASS")) {
        n++;
      }
    }
    return n;
  }

  static synchronized void printSummary() {
    System.out.println();
    System.out.println("Summary (each line: phase | target | measured | verdict)");
    for (String[] r : rows) {
      System.out.printf(Locale.ROOT, "  %-16s | %s | %s | %s%n", r[0], r[1], r[2], r[3]);
    }
    System.out.printf(Locale.ROOT, "%d of %d targets met%n", rows.size() - failures(), rows.size());
  }
}
