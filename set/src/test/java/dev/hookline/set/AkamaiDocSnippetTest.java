package dev.hookline.set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The sender snippet of docs/receiving.md's Akamai section compiles here and is quoted verbatim.
 */
class AkamaiDocSnippetTest {

  static SecurityEventTokenFormat format(InMemorySigningKeys keys) {
    // spotless:off
    // snippet:start
    SecurityEventTokenFormat format = SecurityEventTokenFormat.builder()
        .issuer("https://id.example.com")
        .signingKeys(keys)                          // an RSA key: Akamai's tokens are RS256
        .claims(SetClaims.AKAMAI_IDENTITY_CLOUD)    // default SetClaims.HOOKLINE
        .build();
    // snippet:end
    // spotless:on
    return format;
  }

  @Test
  void docsReceivingShowsTheCompiledSenderVerbatim() throws IOException {
    List<String> lines =
        Files.readAllLines(
            Path.of("src/test/java/dev/hookline/set/AkamaiDocSnippetTest.java"),
            StandardCharsets.UTF_8);
    StringBuilder snippet = new StringBuilder();
    boolean inside = false;
    for (String line : lines) {
      if (line.equals("    // snippet:start")) {
        inside = true;
      } else if (line.equals("    // snippet:end")) {
        inside = false;
      } else if (inside) {
        snippet.append(line.substring(4)).append('\n');
      }
    }
    String docs = Files.readString(Path.of("../docs/receiving.md"), StandardCharsets.UTF_8);
    assertTrue(
        docs.contains("```java\n" + snippet + "```"),
        "docs/receiving.md must show, verbatim:\n" + snippet);
  }

  @Test
  void theDocumentedSenderWritesAkamaisEventNames() throws Exception {
    String token =
        format(InMemorySigningKeys.of(Fixtures.RSA_1))
            .token(
                Fixtures.updated("evt_doc", Fixtures.T0),
                Fixtures.webhook("https://rp.example/hook", Optional.empty()),
                Fixtures.T0);
    JsonNode claims =
        new ObjectMapper().readTree(Base64.getUrlDecoder().decode(token.split("\\.", -1)[1]));
    assertTrue(claims.get("events").has("entityUpdated"), claims.toString());
    assertEquals(
        "RS256",
        new ObjectMapper()
            .readTree(Base64.getUrlDecoder().decode(token.split("\\.", -1)[0]))
            .get("alg")
            .asText());
  }
}
