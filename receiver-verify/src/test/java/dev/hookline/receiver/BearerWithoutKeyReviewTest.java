package dev.hookline.receiver;

import static dev.hookline.receiver.Requests.API_KEY;
import static dev.hookline.receiver.Requests.NOW;
import static dev.hookline.receiver.Requests.SECRET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.hookline.testing.ManualClock;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Seventh review round: an Authorization header of "Bearer" alone. */
class BearerWithoutKeyReviewTest {
  private final ManualClock clock = ManualClock.at(NOW);

  /**
   * A request whose {@code Authorization} header is {@code Bearer } with no key: HTTP servers drop
   * the trailing space (the JDK's does), so the verifier sees {@code Bearer} and reported it as
   * {@code INVALID_API_KEY} "the scheme ... is not Bearer", sending whoever reads the log after a
   * scheme that is right, instead of the missing key (an empty environment variable, say).
   */
  @Test
  void bearerWithoutAKeyOverHttpIsAMissingKeyNotAWrongScheme() throws Exception {
    WebhookVerifier verifier =
        WebhookVerifier.builder().apiKey(API_KEY).signingSecret(SECRET).clock(clock).build();
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/hook",
        exchange -> {
          String answer;
          try {
            verifier.verify(exchange.getRequestHeaders(), exchange.getRequestBody().readAllBytes());
            answer = "accepted";
          } catch (WebhookVerificationException e) {
            answer = e.reason() + ": " + e.getMessage();
          }
          byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, bytes.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
          }
        });
    server.start();
    try (Socket socket =
        new Socket(InetAddress.getLoopbackAddress(), server.getAddress().getPort())) {
      socket.setSoTimeout(5000);
      // What a sender with an empty API key writes; the server drops the trailing space.
      String request =
          "POST /hook HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \r\n"
              + "Content-Length: 2\r\nConnection: close\r\n\r\n{}";
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(response.startsWith("HTTP/1.1 200"), response);
      assertEquals(
          "MISSING_API_KEY: the Authorization header has no API key after Bearer",
          response.substring(response.indexOf("\r\n\r\n") + 4));
    } finally {
      server.stop(0);
    }
  }

  /**
   * Tenth review round: only whitespace after {@code Bearer} (a map from a framework that keeps it,
   * a tab) is the same missing key, in {@code checkApiKey}, {@code verify} and the handler's answer
   * (401); receiver-set's {@code SecurityEventTokenVerifier} now says the same
   * (BearerWithoutKeyAgreementReviewTest there compares the two on every header).
   */
  @Test
  void onlyWhitespaceAfterBearerIsAMissingKeyEverywhere() {
    WebhookVerifier verifier =
        WebhookVerifier.builder().apiKey(API_KEY).signingSecret(SECRET).clock(clock).build();
    VerifyingHandler handler = VerifyingHandler.create(verifier, n -> {});
    byte[] body = Requests.body("msg_blank_key");
    for (String authorization :
        new String[] {
          "Bearer", "Bearer ", "Bearer    ", "Bearer\t", "Bearer \t ", "bearer", "BEARER  "
        }) {
      Map<String, List<String>> h = Requests.headers("msg_blank_key", body);
      h.put("Authorization", List.of(authorization));
      String shown = authorization.replace("\t", "\\t");
      WebhookVerificationException checked =
          assertThrows(WebhookVerificationException.class, () -> verifier.checkApiKey(h), shown);
      assertEquals(WebhookVerificationException.Reason.MISSING_API_KEY, checked.reason(), shown);
      assertEquals(
          "the Authorization header has no API key after Bearer", checked.getMessage(), shown);
      WebhookVerificationException verified =
          assertThrows(WebhookVerificationException.class, () -> verifier.verify(h, body), shown);
      assertEquals(WebhookVerificationException.Reason.MISSING_API_KEY, verified.reason(), shown);
      VerifyingHandler.Response answer = handler.respond("POST", h, body);
      assertEquals(401, answer.status(), shown);
      assertEquals("{\"error\":\"unauthorized\"}", answer.body(), shown);
    }
  }
}
