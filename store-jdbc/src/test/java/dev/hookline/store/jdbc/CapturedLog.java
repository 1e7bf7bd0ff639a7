package dev.hookline.store.jdbc;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What the tests' SLF4J binding (slf4j-simple, which writes to {@code System.err}) logs while this
 * is open; it still reaches the original stream too.
 *
 * <p>Thread-safe.
 */
final class CapturedLog implements AutoCloseable {
  private final PrintStream original = System.err;
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

  CapturedLog() {
    OutputStream both =
        new OutputStream() {
          @Override
          public void write(int b) {
            captured.write(b);
            original.write(b);
          }

          @Override
          public void write(byte[] b, int off, int len) {
            captured.write(b, off, len);
            original.write(b, off, len);
          }
        };
    System.setErr(new PrintStream(both, true, StandardCharsets.UTF_8));
  }

  /** The lines logged so far that contain every one of {@code parts}. */
  List<String> lines(String... parts) {
    return captured
        .toString(StandardCharsets.UTF_8)
        .lines()
        .filter(line -> Arrays.stream(parts).allMatch(line::contains))
        .collect(Collectors.toList());
  }

  @Override
  public void close() {
    System.setErr(original);
  }
}
