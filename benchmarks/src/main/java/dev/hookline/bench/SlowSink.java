package dev.hookline.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A delayed loopback sink as the slow-endpoint phases see it: in this JVM ({@link
 * SlowEndpointSink}) or, by default, in a JVM of its own ({@link #separateProcess}), so that its
 * selector thread does not compete for this process's CPU with the sender it measures, and this
 * process's CPU time is the sender's alone.
 */
interface SlowSink extends AutoCloseable {

  /**
   * The URL of a path on the sink.
   *
   * @param path the path, starting with {@code /}
   * @return the URL
   */
  String url(String path);

  /**
   * How many requests arrived and how many were answered, so far.
   *
   * @return {@code {received, answered}}
   */
  long[] counts();

  /**
   * The longest an answer went out after its due time since the last call, and resets it.
   *
   * @return nanoseconds
   */
  long takeMaxLateNanos();

  @Override
  void close() throws IOException;

  /**
   * Starts a {@link SlowEndpointSink} in a child JVM (the same {@code java} and class path) and
   * talks to it over its standard input and output.
   *
   * @param delay the mean delay
   * @param spread the relative spread
   * @return the running sink
   * @throws IOException if the child cannot be started
   */
  static SlowSink separateProcess(Duration delay, double spread) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p =
        new ProcessBuilder(
                java,
                "-Xms256m",
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                SlowEndpointSink.class.getName(),
                Long.toString(delay.toMillis()),
                Double.toString(spread))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
    Writer out = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.US_ASCII);
    String first = in.readLine();
    if (first == null || !first.startsWith("http://")) {
      p.destroyForcibly();
      throw new IOException("the sink process did not start: " + first);
    }
    String base = first.trim();
    return new SlowSink() {
      private synchronized String ask(String command) {
        try {
          out.write(command + "\n");
          out.flush();
          String line = in.readLine();
          if (line == null) {
            throw new IllegalStateException("the sink process ended");
          }
          return line.trim();
        } catch (IOException e) {
          throw new IllegalStateException("the sink process does not answer", e);
        }
      }

      @Override
      public String url(String path) {
        return base + path;
      }

      @Override
      public long[] counts() {
        String[] f = ask("counts").split(" ", -1);
        return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])};
      }

      @Override
      public long takeMaxLateNanos() {
        return Long.parseLong(ask("late"));
      }

      @Override
      public void close() throws IOException {
        out.close(); // the child stops at the end of its input
        try {
          if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
          }
        } catch (InterruptedException e) {
          p.destroyForcibly();
          Thread.currentThread().interrupt();
        }
      }

      @Override
      public String toString() {
        long[] c = counts();
        return String.format(
            Locale.ROOT, "SlowSink[%s, received=%d, answered=%d]", base, c[0], c[1]);
      }
    };
  }
}
