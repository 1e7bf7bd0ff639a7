package dev.hookline.receiver;

import static dev.hookline.receiver.Requests.API_KEY;
import static dev.hookline.receiver.Requests.SECRET;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link VerifyingHandler#handle} answers a POST it refuses before reading its body (a wrong API
 * key: 401; a body over {@code maxBodyBytes}: 413) without reading that body, and the JDK server
 * then closes the connection with the unread rest of the body in its receive buffer. The kernel
 * answers that with a TCP reset, which reaches a sender still writing its body (the JDK client,
 * Hookline's dispatcher's, reads the answer only once its body is sent) before it has read the
 * status: the sender sees "connection reset" or "fixed content-length: 24, bytes received: 0"
 * instead of 401 or 413. Hookline's dispatcher then records a connection failure instead of the
 * status an operator needs to see (a wrong API key reads as a network problem), and, when the reset
 * comes before the status line, sends the request a second time at once. Measured on loopback:
 * about one request in ten refused on its API key with a 256 KiB body (the sender's default {@code
 * maxPayloadBytes}), and a quarter to a half of 4 MiB bodies refused with 413.
 */
class RefusalWithoutResetReviewTest {
  private static final int ROUNDS = 40;

  private final WebhookVerifier verifier =
      WebhookVerifier.builder().apiKey(API_KEY).signingSecret(SECRET).maxBodyBytes(1024).build();
  private HttpServer server;
  private ExecutorService executor;
  private HttpClient client;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    executor = Executors.newFixedThreadPool(4);
    server.setExecutor(executor);
    server.createContext("/hooks", VerifyingHandler.create(verifier, n -> {}));
    server.start();
    client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  @AfterEach
  void stop() {
    server.stop(0);
    executor.shutdownNow();
  }

  private List<String> outcomes(String apiKey, int bodyBytes) throws InterruptedException {
    List<String> outcomes = new ArrayList<>();
    URI uri = URI.create("http://" + hostPort() + "/hooks");
    for (int i = 0; i < ROUNDS; i++) {
      HttpRequest request =
          HttpRequest.newBuilder(uri)
              .timeout(Duration.ofSeconds(30))
              .header("Authorization", "Bearer " + apiKey)
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[bodyBytes]))
              .build();
      try {
        outcomes.add(
            "HTTP " + client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode());
      } catch (IOException e) {
        outcomes.add(e.getClass().getSimpleName() + ": " + e.getMessage());
      }
    }
    return outcomes;
  }

  private String hostPort() {
    InetSocketAddress a = server.getAddress();
    String host = a.getAddress().getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  private static List<String> all(String outcome) {
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < ROUNDS; i++) {
      expected.add(outcome);
    }
    return expected;
  }

  @Test
  void aWrongApiKeyIsAnswered401() throws Exception {
    assertEquals(all("HTTP 401"), outcomes("hk_not-the-key", 1 << 20));
  }

  @Test
  void aBodyOverTheLimitIsAnswered413() throws Exception {
    assertEquals(all("HTTP 413"), outcomes(API_KEY, 4 << 20));
  }
}
