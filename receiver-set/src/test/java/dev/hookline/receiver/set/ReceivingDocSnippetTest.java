package dev.hookline.receiver.set;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.hookline.receiver.WebhookVerificationException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The SET listener in docs/receiving.md is this code: it compiles here and is quoted verbatim. */
class ReceivingDocSnippetTest {

  @SuppressWarnings("unused") // compiled, not run: it listens on a fixed port
  static void listener() throws IOException {
    // spotless:off
    // snippet:start
    SecurityEventTokenVerifier verifier = SecurityEventTokenVerifier.builder()
        .jwksUri(URI.create("https://id.example.com/.well-known/jwks.json"), HttpClient.newHttpClient())
        .issuer("https://id.example.com")            // the sender's iss
        .audience("https://rp.example.com/hookline") // the webhook's audience, or its URI
        .apiKey(System.getenv("HOOKLINE_API_KEY"))   // still sent as Authorization: Bearer
        .build();
    HttpServer server = HttpServer.create(new InetSocketAddress(8443), 0); // put TLS in front
    server.createContext("/hookline", exchange -> {
      byte[] answer = new byte[0];
      int status = 202;
      try {
        SecurityEvent event = verifier.verify(
            exchange.getRequestHeaders(), exchange.getRequestBody().readAllBytes());
        System.out.println(event.type() + " " + event.jti() + " " + event.data());
        verifier.complete(event); // a retry of this jti is acknowledged, not processed again
      } catch (WebhookVerificationException e) {
        status = e.reason().httpStatus() == 200 ? 202 : e.reason().httpStatus();
        answer = SecurityEventTokenVerifier.errorBody(e).getBytes(StandardCharsets.UTF_8);
      }
      exchange.sendResponseHeaders(status, answer.length == 0 ? -1 : answer.length);
      exchange.getResponseBody().write(answer);
      exchange.close();
    });
    server.start();
    // snippet:end
    // spotless:on
  }

  @Test
  void docsReceivingShowsTheCompiledListenerVerbatim() throws IOException {
    Path source = Path.of("src/test/java/dev/hookline/receiver/set/ReceivingDocSnippetTest.java");
    List<String> lines = Files.readAllLines(source, StandardCharsets.UTF_8);
    int start = lines.indexOf("    // snippet:start");
    int end = lines.indexOf("    // snippet:end");
    StringBuilder snippet = new StringBuilder();
    for (String line : lines.subList(start + 1, end)) {
      snippet.append(line.length() >= 4 ? line.substring(4) : line.strip()).append('\n');
    }
    String docs = Files.readString(Path.of("../docs/receiving.md"), StandardCharsets.UTF_8);
    assertTrue(
        docs.contains("```java\n" + snippet + "```"),
        "docs/receiving.md must show, verbatim:\n" + snippet);
  }
}
