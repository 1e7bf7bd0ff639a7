package dev.hookline.set;

import com.sun.net.httpserver.HttpServer;
import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.set.SecurityEvent;
import dev.hookline.receiver.set.SecurityEventTokenVerifier;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A listener on 127.0.0.1, written as a receiver would: it serves the sender's JWKS (as the
 * sender's host would at /.well-known/jwks.json) and at /hook verifies each SET, answering 202, or
 * a refusal as docs/receiving.md's listener does: {@code SecurityEventTokenVerifier.httpStatus}
 * with {@code errorBody} (a 400 with the RFC 8935 error body for a token that fails a check).
 */
final class Listener implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(8);
  private final AtomicReference<SecurityEventTokenVerifier> verifier = new AtomicReference<>();
  final List<SecurityEvent> received = new CopyOnWriteArrayList<>();
  final List<WebhookVerificationException> refused = new CopyOnWriteArrayList<>();
  final List<String> contentTypes = new CopyOnWriteArrayList<>();

  Listener(Supplier<String> jwks) {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext(
        "/.well-known/jwks.json",
        exchange -> {
          byte[] body = jwks.get().getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.createContext(
        "/hook",
        exchange -> {
          byte[] token;
          try (InputStream in = exchange.getRequestBody()) {
            token = in.readAllBytes();
          }
          contentTypes.add(exchange.getRequestHeaders().getFirst("Content-Type"));
          int status;
          byte[] answer = new byte[0];
          try {
            SecurityEventTokenVerifier v = verifier.get();
            java.util.Optional<String> handshake =
                v.handshake(exchange.getRequestMethod(), exchange.getRequestHeaders());
            if (handshake.isPresent()) {
              status = 200;
              answer = handshake.get().getBytes(StandardCharsets.UTF_8);
            } else {
              SecurityEvent event = v.verify(exchange.getRequestHeaders(), token);
              received.add(event);
              v.complete(event);
              status = 202;
            }
          } catch (WebhookVerificationException e) {
            refused.add(e);
            status = SecurityEventTokenVerifier.httpStatus(e);
            answer = SecurityEventTokenVerifier.errorBody(e).getBytes(StandardCharsets.UTF_8);
          }
          if (answer.length > 0) {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
          }
          exchange.sendResponseHeaders(status, answer.length == 0 ? -1 : answer.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
          }
        });
    // Its own threads: the hook fetches the JWKS from this same server while it handles a request.
    server.setExecutor(executor);
    server.start();
  }

  /** Sets the verifier, built with the JWKS URL this listener serves. */
  void verifyWith(Function<URI, SecurityEventTokenVerifier> make) {
    verifier.set(make.apply(jwksUri()));
  }

  URI jwksUri() {
    return URI.create(base() + "/.well-known/jwks.json");
  }

  String hook() {
    return base() + "/hook";
  }

  private String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
