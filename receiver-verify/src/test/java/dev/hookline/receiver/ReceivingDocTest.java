package dev.hookline.receiver;

import static dev.hookline.receiver.Requests.API_KEY;
import static dev.hookline.receiver.Requests.NOW;
import static dev.hookline.receiver.Requests.SECRET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.testing.ManualClock;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The listener for other frameworks in docs/receiving.md, and what its body handling does. */
class ReceivingDocTest {
  private final WebhookVerifier verifier =
      WebhookVerifier.builder()
          .apiKey(API_KEY)
          .signingSecret(SECRET)
          .clock(ManualClock.at(NOW))
          .maxBodyBytes(64 * 1024)
          .build();

  /** A body that never ends, as an attacker's upload; it counts what was read of it. */
  private static final class EndlessBody extends InputStream {
    long read;

    @Override
    public int read() {
      read++;
      return 'x';
    }

    @Override
    public int read(byte[] b, int off, int len) {
      java.util.Arrays.fill(b, off, off + len, (byte) 'x');
      read += len;
      return len;
    }
  }

  @Test
  void theFrameworkSnippetReadsAtMostOneByteOverTheLimitWhichIsRefusedWith413() throws IOException {
    String snippet = snippet();
    assertFalse(snippet.contains("@RequestBody"), "reads the whole body before verifying it");
    assertTrue(snippet.contains("in.readNBytes(verifier.maxBodyBytes() + 1)"), snippet);

    // What the snippet does with an authenticated request whose body does not end:
    EndlessBody in = new EndlessBody();
    byte[] body = in.readNBytes(verifier.maxBodyBytes() + 1);
    List<Notification> received = new ArrayList<>();
    VerifyingHandler.Response r =
        VerifyingHandler.create(verifier, received::add)
            .respond("POST", Requests.headers("evt_endless", body), body);
    assertEquals(413, r.status());
    assertEquals(verifier.maxBodyBytes() + 1L, in.read);
    assertTrue(received.isEmpty());
  }

  /**
   * Ninth review round: the snippet read up to {@code maxBodyBytes + 1} bytes of every request
   * before the handler looked at its API key, so anyone could make the listener buffer 1 MiB per
   * request. It now checks the key first, and a refused request's body is never read.
   */
  @Test
  void theFrameworkSnippetChecksTheApiKeyBeforeReadingTheBody() throws IOException {
    String snippet = snippet();
    int check = snippet.indexOf("verifier.checkApiKey(headers)");
    assertTrue(check >= 0, snippet);
    assertTrue(check < snippet.indexOf("in.readNBytes("), "the key is checked first: " + snippet);

    // What the snippet does: a wrong key reads nothing and is answered 401 ...
    List<Notification> received = new ArrayList<>();
    VerifyingHandler handler = VerifyingHandler.create(verifier, received::add);
    byte[] genuine = Requests.body("evt_doc");
    Map<String, List<String>> wrong = Requests.headers("evt_doc", genuine);
    wrong.put("Authorization", List.of("Bearer " + Requests.OTHER_API_KEY));
    EndlessBody in = new EndlessBody();
    assertEquals(401, asTheSnippetDoes(handler, wrong, in).status());
    assertEquals(0, in.read, "none of the body was read");
    assertTrue(received.isEmpty());

    // ... and the right one reads the body and is processed.
    ByteArrayInputStream ok = new ByteArrayInputStream(genuine);
    assertEquals(204, asTheSnippetDoes(handler, Requests.headers("evt_doc", genuine), ok).status());
    assertEquals(0, ok.available());
    assertEquals(1, received.size());
  }

  /**
   * Fourteenth review round: the snippet took the headers as {@code @RequestHeader HttpHeaders},
   * passed as a {@code Map} to {@code checkApiKey} and {@code respond}. Spring Framework 7 (Spring
   * Boot 4) made {@code HttpHeaders} no longer a {@code MultiValueMap} nor a {@code Map}, so there
   * the snippet does not compile. A {@code @RequestHeader MultiValueMap<String, String>} holds
   * every value of every header on Spring 6 and 7 alike (names as the server reports them; the
   * verifier matches them case-insensitively and refuses a repeated one).
   */
  @Test
  void theFrameworkSnippetTakesTheHeadersAsAMapThatEverySpringVersionGives() throws IOException {
    String snippet = snippet();
    assertFalse(snippet.contains("HttpHeaders headers"), snippet);
    assertTrue(snippet.contains("@RequestHeader MultiValueMap<String, String> headers"), snippet);
  }

  /** The snippet's body, with the framework's parts passed in. */
  private VerifyingHandler.Response asTheSnippetDoes(
      VerifyingHandler handler, Map<String, List<String>> headers, InputStream in)
      throws IOException {
    byte[] body = new byte[0];
    try {
      verifier.checkApiKey(headers);
      body = in.readNBytes(verifier.maxBodyBytes() + 1);
    } catch (WebhookVerificationException refused) {
      // respond answers it from the headers alone
    }
    return handler.respond("POST", headers, body);
  }

  private static String snippet() throws IOException {
    String docs = Files.readString(Path.of("../docs/receiving.md"), StandardCharsets.UTF_8);
    int from = docs.indexOf("### From any other framework");
    int code = docs.indexOf("```java", from);
    return docs.substring(code, docs.indexOf("```\n", code + 7));
  }
}
