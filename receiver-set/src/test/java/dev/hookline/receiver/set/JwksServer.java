package dev.hookline.receiver.set;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Serves a JWKS on 127.0.0.1 and counts the fetches. It can also answer an error status, hold each
 * answer until the test lets it go, or send the headers and part of the body and then stall.
 */
final class JwksServer implements AutoCloseable {
  private final HttpServer server;
  private final AtomicReference<String> jwks;
  private final AtomicInteger fetches = new AtomicInteger();
  private final AtomicInteger status = new AtomicInteger(200);
  private final HttpClient client = HttpClient.newHttpClient();
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final CountDownLatch gate = new CountDownLatch(1);
  private volatile boolean hold;
  private volatile boolean stall;

  JwksServer(String initial) {
    this.jwks = new AtomicReference<>(initial);
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/.well-known/jwks.json", this::serve);
    server.setExecutor(executor); // a held answer blocks no other one
    server.start();
  }

  private void serve(HttpExchange exchange) throws IOException {
    fetches.incrementAndGet();
    if (hold || stall) {
      if (stall) {
        exchange.sendResponseHeaders(200, 1000);
        OutputStream out = exchange.getResponseBody();
        out.write("{\"keys\":[{".getBytes(StandardCharsets.UTF_8)); // 10 of the 1000 bytes
        out.flush();
      }
      try {
        gate.await(1, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (stall) {
        exchange.close();
        return;
      }
    }
    int code = status.get();
    byte[] body =
        code == 200
            ? jwks.get().getBytes(StandardCharsets.UTF_8)
            : "down".getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/jwk-set+json");
    exchange.sendResponseHeaders(code, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  URI uri() {
    return URI.create(
        "http://127.0.0.1:" + server.getAddress().getPort() + "/.well-known/jwks.json");
  }

  HttpClient client() {
    return client;
  }

  void publish(String json) {
    jwks.set(json);
  }

  /** Answers every fetch from now on with this status (200: the published key set). */
  void answer(int code) {
    status.set(code);
  }

  /** Holds every answer until {@link #release}. */
  void holdAnswers() {
    hold = true;
  }

  /** Sends the headers ({@code Content-Length: 1000}) and 10 body bytes, then nothing more. */
  void stallInTheBody() {
    stall = true;
  }

  /** Lets held and stalled answers go. */
  void release() {
    hold = false;
    gate.countDown();
  }

  int fetches() {
    return fetches.get();
  }

  @Override
  public void close() {
    release();
    server.stop(0);
    executor.shutdownNow();
  }
}
