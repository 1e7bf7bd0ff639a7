package dev.hookline.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/** This process's CPU time, for CPU-per-request figures that a noisy neighbour cannot inflate. */
final class ProcessCpu {
  private ProcessCpu() {}

  /**
   * Returns the CPU time this process has used, or 0 where the JVM does not tell.
   *
   * @return nanoseconds of CPU
   */
  static long nanos() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean hotspot) {
      return hotspot.getProcessCpuTime();
    }
    return 0;
  }
}
