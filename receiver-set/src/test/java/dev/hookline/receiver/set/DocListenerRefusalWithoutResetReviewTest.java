package dev.hookline.receiver.set;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import dev.hookline.testing.ManualClock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Review r85: the SET listener of docs/receiving.md ({@link ReceivingDocSnippetTest#serve}) reads
 * one byte over {@code maxBodyBytes} and answers 413 without reading the rest of the body. The JDK
 * server then closes the connection with the unread rest in its receive buffer, and the kernel
 * answers that with a TCP reset, which reaches a sender still writing its body (the JDK client,
 * Hookline's dispatcher's, reads the answer only once its body is sent) before it has read the
 * status: it sees a broken connection instead of 413, and the dispatcher records a connection
 * failure and may send again at once. receiver-verify's {@code VerifyingHandler} was fixed for the
 * same in the fifth review round ({@code RefusalWithoutResetReviewTest}).
 */
class DocListenerRefusalWithoutResetReviewTest {
  private static final int ROUNDS = 100;

  private HttpServer server;
  private ExecutorService executor;
  private HttpClient client;

  @BeforeEach
  void start() throws IOException {
    SecurityEventTokenVerifier verifier =
        SecurityEventTokenVerifier.builder()
            .allowWithoutApiKey()
            .jwks(Tokens.jwks(Tokens.RSA))
            .issuer(Tokens.ISSUER)
            .audience(Tokens.AUDIENCE)
            .clock(ManualClock.at(Instant.parse("2026-11-22T10:00:00Z")))
            .maxBodyBytes(1024)
            .build();
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    executor = Executors.newFixedThreadPool(4);
    server.setExecutor(executor);
    ReceivingDocSnippetTest.serve(verifier, server, event -> {});
    client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  @AfterEach
  void stop() {
    server.stop(0);
    executor.shutdownNow();
  }

  @Test
  void aBodyOverTheLimitIsAnswered413() throws Exception {
    InetSocketAddress a = server.getAddress();
    URI uri =
        URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + "/hookline");
    List<String> outcomes = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < ROUNDS; i++) {
      HttpRequest request =
          HttpRequest.newBuilder(uri)
              .timeout(Duration.ofSeconds(30))
              .header("Content-Type", "application/secevent+jwt")
              .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[4 << 20]))
              .build();
      try {
        outcomes.add(
            "HTTP " + client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode());
      } catch (IOException e) {
        outcomes.add(e.getClass().getSimpleName() + ": " + e.getMessage());
      }
      expected.add("HTTP 413");
    }
    assertEquals(expected, outcomes);
  }
}
