package dev.hookline.receiver.set;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** Serves a JWKS on 127.0.0.1 and counts the fetches. */
final class JwksServer implements AutoCloseable {
  private final HttpServer server;
  private final AtomicReference<String> jwks;
  private final AtomicInteger fetches = new AtomicInteger();
  private final HttpClient client = HttpClient.newHttpClient();

  JwksServer(String initial) {
    this.jwks = new AtomicReference<>(initial);
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext(
        "/.well-known/jwks.json",
        exchange -> {
          fetches.incrementAndGet();
          byte[] body = jwks.get().getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/jwk-set+json");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
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

  int fetches() {
    return fetches.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
