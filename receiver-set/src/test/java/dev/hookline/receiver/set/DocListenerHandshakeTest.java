package dev.hookline.receiver.set;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import dev.hookline.testing.ManualClock;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * docs/receiving.md's complete SET listener (run verbatim through {@link
 * ReceivingDocSnippetTest#serve}) must answer the verification handshake Hookline sends before a
 * webhook, SET ones included, receives anything: {@code GET} with {@code X-Verification-Key} and
 * the webhook's {@code Authorization: Bearer}, answered 2xx with {@code {"key":"<value>"}}.
 */
class DocListenerHandshakeTest {
  @Test
  void theDocumentedSetListenerAnswersTheHandshake() throws Exception {
    ManualClock clock = ManualClock.at(Instant.parse("2026-11-22T10:00:00Z"));
    SecurityEventTokenVerifier verifier =
        SecurityEventTokenVerifier.builder()
            .jwks(Tokens.jwks(Tokens.RSA))
            .issuer(Tokens.ISSUER)
            .audience(Tokens.AUDIENCE)
            .apiKey("doc-api-key-0123456789")
            .clock(clock)
            .build();
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    ReceivingDocSnippetTest.serve(verifier, server, event -> {});
    try {
      URI hook = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hookline");
      HttpResponse<String> answer =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(hook)
                      .header("X-Verification-Key", "challenge-123")
                      .header("Authorization", "Bearer doc-api-key-0123456789")
                      .header("Accept", "application/json")
                      .GET()
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, answer.statusCode(), "the handshake was answered " + answer.body());
      assertEquals("{\"key\":\"challenge-123\"}", answer.body());
    } finally {
      server.stop(0);
    }
  }
}
