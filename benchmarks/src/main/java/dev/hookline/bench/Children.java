package dev.hookline.bench;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What the harness started and must stop (sink processes, the embedded PostgreSQL): closed in
 * reverse order by a shutdown hook, so they end with the harness whether it finishes, fails, hits
 * its time limit or is interrupted. Thread-safe.
 */
final class Children {
  private static final Deque<AutoCloseable> open = new ArrayDeque<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(Children::closeAll, "close-children"));
  }

  private Children() {}

  static synchronized <T extends AutoCloseable> T register(T child) {
    open.push(child);
    return child;
  }

  static synchronized void closed(AutoCloseable child) {
    open.remove(child);
  }

  static void closeAll() {
    while (true) {
      AutoCloseable c;
      synchronized (Children.class) {
        c = open.poll();
      }
      if (c == null) {
        return;
      }
      try {
        c.close();
      } catch (Exception e) {
        System.err.println("could not stop " + c + ": " + e);
      }
    }
  }
}
