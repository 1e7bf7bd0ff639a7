package dev.hookline.otel;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP listener (127.0.0.1, or {@code ::1} if asked) that records each request's headers
 * by path, and answers each path with the statuses given to it in turn (the last one repeated), 200
 * by default.
 */
final class Listener implements AutoCloseable {
  private final HttpServer server;
  private final Map<String, List<Map<String, List<String>>>> headers = new ConcurrentHashMap<>();
  private final Map<String, int[]> statuses = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

  private final String host;

  Listener() {
    this("127.0.0.1");
  }

  /**
   * Listens on a loopback address given as a literal ({@code 127.0.0.1}, {@code ::1}); an IPv6 one
   * is written in brackets in {@link #uri}.
   */
  Listener(String loopbackLiteral) {
    host = loopbackLiteral.contains(":") ? "[" + loopbackLiteral + "]" : loopbackLiteral;
    try {
      server =
          HttpServer.create(new InetSocketAddress(InetAddress.getByName(loopbackLiteral), 0), 16);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext(
        "/",
        exchange -> {
          String path = exchange.getRequestURI().getPath();
          Map<String, List<String>> copy = new ConcurrentHashMap<>();
          exchange
              .getRequestHeaders()
              .forEach((k, v) -> copy.put(k.toLowerCase(java.util.Locale.ROOT), List.copyOf(v)));
          headers.computeIfAbsent(path, p -> new CopyOnWriteArrayList<>()).add(copy);
          try (InputStream in = exchange.getRequestBody()) {
            in.readAllBytes();
          }
          int n = calls.computeIfAbsent(path, p -> new AtomicInteger()).getAndIncrement();
          int[] s = statuses.getOrDefault(path, new int[] {200});
          exchange.sendResponseHeaders(s[Math.min(n, s.length - 1)], -1);
          exchange.close();
        });
    server.start();
  }

  String uri(String path) {
    return "http://" + host + ":" + server.getAddress().getPort() + path;
  }

  int port() {
    return server.getAddress().getPort();
  }

  void answer(String path, int... inTurn) {
    statuses.put(path, inTurn.clone());
  }

  /** The headers of each request to the path, in arrival order; names in lower case. */
  List<Map<String, List<String>>> requests(String path) {
    return headers.getOrDefault(path, List.of());
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
