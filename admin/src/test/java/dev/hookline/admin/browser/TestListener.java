package dev.hookline.admin.browser;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A webhook listener on 127.0.0.1 for the browser tests: answers the verification handshake ({@code
 * GET} with {@code X-Verification-Key}, echoed back as {@code {"key": ...}}) and each notification
 * with the status the test chose for its path (204 by default; {@link #failWith(String, int)} makes
 * one endpoint fail, so tests that share the listener do not disturb each other). Checks no
 * signature: the page tests are about what the page shows. Thread-safe.
 */
final class TestListener implements AutoCloseable {
  private final HttpServer server;
  private final AtomicInteger notifications = new AtomicInteger();
  private final AtomicInteger handshakes = new AtomicInteger();
  private final Map<String, Integer> failing = new ConcurrentHashMap<>();

  TestListener() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String uri(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  /** From now on notifications to {@code path} get {@code status}; handshakes still pass. */
  void failWith(String path, int status) {
    failing.put(path, status);
  }

  /** Notifications to {@code path} succeed again. */
  void succeed(String path) {
    failing.remove(path);
  }

  int notifications() {
    return notifications.get();
  }

  int handshakes() {
    return handshakes.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange;
        InputStream in = exchange.getRequestBody()) {
      in.readAllBytes();
      String key = exchange.getRequestHeaders().getFirst("X-Verification-Key");
      if ("GET".equals(exchange.getRequestMethod()) && key != null) {
        handshakes.incrementAndGet();
        byte[] body =
            ("{\"key\":\"" + key.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
        return;
      }
      notifications.incrementAndGet();
      int answer = failing.getOrDefault(exchange.getRequestURI().getPath(), 204);
      if (answer == 204) {
        exchange.sendResponseHeaders(204, -1);
        return;
      }
      byte[] body =
          "{\"error\":\"the test made this endpoint fail\"}".getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(answer, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
