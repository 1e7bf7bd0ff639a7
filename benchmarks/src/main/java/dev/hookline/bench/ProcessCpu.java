package dev.hookline.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's CPU time, for CPU-per-request figures that a noisy neighbour cannot inflate. Read
 * from Linux's {@code /proc/self/stat} (user + system time, in clock ticks of 10 ms), so that no
 * non-portable JDK class is needed; 0 elsewhere.
 */
final class ProcessCpu {
  private static final long NANOS_PER_TICK = 10_000_000L; // USER_HZ is 100 on Linux

  private ProcessCpu() {}

  /**
   * Returns the CPU time this process has used, or 0 where it cannot be read.
   *
   * @return nanoseconds of CPU
   */
  static long nanos() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"), StandardCharsets.US_ASCII);
      // pid (comm) state ppid ...: fields after the ')' start at field 3; utime is 14, stime 15.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * NANOS_PER_TICK;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}
