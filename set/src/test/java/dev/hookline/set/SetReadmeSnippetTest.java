package dev.hookline.set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The sender snippet of set/README.md compiles here, is quoted verbatim, and works. */
class SetReadmeSnippetTest {

  record Sender(InMemorySigningKeys keys, SecurityEventTokenFormat format, String jwks) {}

  static Sender sender(String pkcs8Pem) {
    // spotless:off
    // snippet:start
    SigningKey key = SigningKey.fromPem("2026-12", pkcs8Pem);  // RSA, RS256 (ES256: see Keys)
    InMemorySigningKeys keys = InMemorySigningKeys.of(key);     // replaced keys stay 7 days
    SecurityEventTokenFormat format = SecurityEventTokenFormat.builder()
        .issuer("https://id.example.com")                     // receivers compare it exactly
        .signingKeys(keys)
        .build();
    String jwks = keys.jwks().json();                           // serve at /.well-known/jwks.json
    // snippet:end
    // spotless:on
    return new Sender(keys, format, jwks);
  }

  @Test
  void theReadmeShowsTheCompiledSenderVerbatim() throws IOException {
    List<String> lines =
        Files.readAllLines(
            Path.of("src/test/java/dev/hookline/set/SetReadmeSnippetTest.java"),
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
    assertTrue(snippet.length() > 0, "no snippet found");
    String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
    assertTrue(
        readme.contains("```java\n" + snippet + "```"),
        "set/README.md must show, verbatim:\n" + snippet);
  }

  @Test
  void theDocumentedSenderSignsWithTheKeyItPublishes() throws Exception {
    String pem =
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder(64, new byte[] {'\n'})
                .encodeToString(Fixtures.RSA_1.privateKey().getEncoded())
            + "\n-----END PRIVATE KEY-----\n";
    Sender s = sender(pem);
    assertEquals(List.of("2026-12"), Jwks.of(s.keys(), Fixtures.T0).keyIds());
    assertTrue(s.jwks().contains("\"kid\":\"2026-12\""), s.jwks());
    String token =
        s.format()
            .token(
                Fixtures.updated("evt_readme", Fixtures.T0),
                Fixtures.webhook("https://rp.example/hook", Optional.empty()),
                Fixtures.T0);
    String header =
        new String(
            Base64.getUrlDecoder().decode(token.split("\\.", -1)[0]), StandardCharsets.UTF_8);
    assertTrue(header.contains("\"kid\":\"2026-12\"") && header.contains("RS256"), header);
  }

  /** The README's restart recipe, one InMemorySigningKeys per step as a fresh process makes it. */
  private static InMemorySigningKeys step(int n, SigningKey old, SigningKey next) {
    InMemorySigningKeys keys = InMemorySigningKeys.of(n == 4 ? next : old);
    if (n == 2) {
      keys.publishNext(next);
    } else if (n == 3) {
      keys.rotate(next);
    }
    return keys;
  }

  @Test
  void duringARollingDeploymentOfEachStepEitherSetVerifiesWhatEitherSigns() {
    SigningKey old = Fixtures.RSA_1;
    SigningKey next = Fixtures.EC_1;
    for (int n = 1; n < 4; n++) {
      InMemorySigningKeys before = step(n, old, next);
      InMemorySigningKeys after = step(n + 1, old, next);
      for (InMemorySigningKeys signer : List.of(before, after)) {
        String kid = signer.signingKey(Fixtures.T0).keyId();
        for (InMemorySigningKeys publisher : List.of(before, after)) {
          assertTrue(
              publisher.jwks().keyIds().contains(kid),
              "step " + n + " to " + (n + 1) + ": " + kid + " not in " + publisher.jwks());
        }
      }
    }
  }
}
