package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.admin.spi.AdminStore;
import dev.hookline.admin.store.InMemoryAdminStore;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Review r151: the line logged for a request that failed inside the API (a 500) held the request's
 * decoded path as it came, so a {@code %0A} in it ended the line and the rest of the path was
 * logged as a line of its own: anyone able to cause a 500 could forge log lines.
 */
class LogForgingPathReviewTest {
  static final AtomicBoolean failLookups = new AtomicBoolean();
  static AdminHarness h;

  @BeforeAll
  static void start() {
    InMemoryAdminStore real = new InMemoryAdminStore();
    AdminStore store =
        (AdminStore)
            Proxy.newProxyInstance(
                AdminStore.class.getClassLoader(),
                new Class<?>[] {AdminStore.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("findTokenByHash") && failLookups.get()) {
                    throw new IllegalStateException("a bug in a custom admin store (test)");
                  }
                  try {
                    return method.invoke(real, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    h = new AdminHarness(store, b -> {});
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  @Test
  void aLineBreakInThePathOfAFailedRequestForgesNoLogLine() {
    String token = h.tenantToken("forging");
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(tee(captured, original), true, StandardCharsets.UTF_8));
    Http.Exchange answer;
    try {
      failLookups.set(true);
      answer = h.http.get(h.webhooks() + "/wh%0A%5Bmain%5D%20INFO%20forged%20line", token);
    } finally {
      failLookups.set(false);
      System.setErr(original);
    }
    assertEquals(500, answer.status(), answer::toString);
    List<String> lines =
        captured.toString(StandardCharsets.UTF_8).lines().collect(Collectors.toList());
    assertTrue(
        lines.stream().anyMatch(l -> l.contains("admin API request failed: GET")),
        () -> "the failure is logged: " + lines);
    assertTrue(
        lines.stream().noneMatch(l -> l.startsWith("[main] INFO forged line")),
        () -> "a line of the path's own: " + lines);
    assertTrue(
        lines.stream().anyMatch(l -> l.contains("/webhooks/wh?[main] INFO forged line")),
        () -> "the path is logged on the failure's line, its line break as '?': " + lines);
  }

  private static OutputStream tee(OutputStream a, OutputStream b) {
    return new OutputStream() {
      @Override
      public void write(int x) {
        try {
          a.write(x);
          b.write(x);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }

      @Override
      public void write(byte[] bytes, int off, int len) {
        try {
          a.write(bytes, off, len);
          b.write(bytes, off, len);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
    };
  }
}
