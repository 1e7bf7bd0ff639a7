package dev.hookline.receiver;

import static dev.hookline.receiver.Requests.API_KEY;
import static dev.hookline.receiver.Requests.NOW;
import static dev.hookline.receiver.Requests.SECRET;
import static dev.hookline.receiver.Requests.body;
import static dev.hookline.receiver.Requests.headers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpServer;
import dev.hookline.testing.ManualClock;
import java.io.IOError;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fourteenth review round: VerifyingHandler answered 500 for a consumer's exceptions and for three
 * kinds of Error it listed (AssertionError, LinkageError, StackOverflowError), and let every other
 * Error out of {@link VerifyingHandler#respond}, whose contract is "a failing consumer is answered
 * 500, never thrown". Errors an application's code throws are more than those three: {@link
 * IOError} (a Console, some NIO file systems), {@link ServiceConfigurationError} (a ServiceLoader
 * lookup), and an application's own {@code extends Error}. Behind the JDK server (the documented
 * listener) such an Error left the exchange unanswered: the sender read a closed connection instead
 * of a status, and the failure was logged nowhere but at the JDK server's TRACE level. Only the
 * JVM's own failures (a VirtualMachineError other than StackOverflowError) still pass.
 */
class ConsumerErrorReviewTest {
  /** An application's own Error type. */
  static final class ApplicationError extends Error {
    private static final long serialVersionUID = 1L;

    ApplicationError(String message) {
      super(message);
    }
  }

  private final WebhookVerifier verifier =
      WebhookVerifier.builder()
          .apiKey(API_KEY)
          .signingSecret(SECRET)
          .clock(ManualClock.at(NOW))
          .build();

  private static Supplier<Error> error(String kind) {
    return switch (kind) {
      case "IOError" -> () -> new IOError(new IOException("device not ready"));
      case "ServiceConfigurationError" ->
          () -> new ServiceConfigurationError("no provider for the application's codec");
      default -> () -> new ApplicationError("the application's own failure");
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"IOError", "ServiceConfigurationError", "ApplicationError"})
  void aConsumerThatThrowsAnyApplicationErrorIsAnswered500AndTheRetryIsProcessed(String kind) {
    AtomicInteger calls = new AtomicInteger();
    Supplier<Error> failure = error(kind);
    VerifyingHandler handler =
        VerifyingHandler.create(
            verifier,
            n -> {
              if (calls.incrementAndGet() == 1) {
                throw failure.get();
              }
            });
    byte[] body = body("evt_err");
    VerifyingHandler.Response first = handler.respond("POST", headers("evt_err", body), body);
    assertEquals(500, first.status());
    assertEquals("{\"error\":\"processing failed\"}", first.body());
    assertEquals(204, handler.respond("POST", headers("evt_err", body), body).status(), "retry");
    assertEquals(2, calls.get());
  }

  /** The JVM's own failure is not answered as if the application had failed; the id is released. */
  @Test
  void outOfMemoryStillPassesAndTheRetryIsProcessed() {
    AtomicInteger calls = new AtomicInteger();
    VerifyingHandler handler =
        VerifyingHandler.create(
            verifier,
            n -> {
              if (calls.incrementAndGet() == 1) {
                throw new OutOfMemoryError("Java heap space");
              }
            });
    byte[] body = body("evt_oom");
    assertThrows(
        OutOfMemoryError.class, () -> handler.respond("POST", headers("evt_oom", body), body));
    assertEquals(204, handler.respond("POST", headers("evt_oom", body), body).status(), "retry");
    assertEquals(2, calls.get());
  }

  /** Over HTTP, as in the documented listener (no executor: the server's own thread). */
  @Test
  void overHttpTheSenderReads500NotAClosedConnection() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/hook",
        VerifyingHandler.create(
            verifier,
            n -> {
              if (calls.incrementAndGet() == 1) {
                throw new IOError(new IOException("device not ready"));
              }
            }));
    server.start();
    try {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
      byte[] body = body("evt_err_http");
      List<Integer> statuses = new java.util.ArrayList<>();
      for (int attempt = 0; attempt < 2; attempt++) {
        HttpRequest.Builder b =
            HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers("evt_err_http", body).forEach((name, vs) -> vs.forEach(v -> b.header(name, v)));
        statuses.add(client.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode());
      }
      assertEquals(List.of(500, 204), statuses);
      assertEquals(2, calls.get());
    } finally {
      server.stop(0);
    }
  }
}
