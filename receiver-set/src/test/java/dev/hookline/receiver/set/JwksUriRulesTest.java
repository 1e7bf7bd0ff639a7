package dev.hookline.receiver.set;

import static dev.hookline.receiver.set.Tokens.AUDIENCE;
import static dev.hookline.receiver.set.Tokens.ISSUER;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import org.junit.jupiter.api.Test;

/**
 * The key set is fetched over https only: over http anyone on the network path could serve their
 * own keys. Plain http to a loopback host is a development option that must be asked for.
 */
class JwksUriRulesTest {
  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  private static SecurityEventTokenVerifier.Builder builder(String uri) {
    return SecurityEventTokenVerifier.builder()
        .allowWithoutApiKey()
        .jwksUri(URI.create(uri), CLIENT)
        .issuer(ISSUER)
        .audience(AUDIENCE);
  }

  private static String refused(SecurityEventTokenVerifier.Builder b) {
    String message = assertThrows(IllegalArgumentException.class, b::build).getMessage();
    assertTrue(message.startsWith("jwksUri "), "names the field: " + message);
    assertTrue(message.contains("allowed: an absolute https URI"), "says what is: " + message);
    return message;
  }

  @Test
  void httpToAHostOnTheNetworkIsRefusedEvenWithTheDevelopmentOption() {
    String message = refused(builder("http://id.example.com/.well-known/jwks.json"));
    assertTrue(message.contains("uses http to a host that is not loopback"), message);
    refused(
        builder("http://id.example.com/.well-known/jwks.json")
            .allowInsecureLoopbackJwksForDevelopment(true));
  }

  @Test
  void httpToLoopbackNeedsTheDevelopmentOption() {
    for (String uri :
        new String[] {
          "http://127.0.0.1:8080/jwks.json", "http://[::1]:8080/jwks.json", "http://localhost/jwks"
        }) {
      String message = refused(builder(uri));
      assertTrue(message.contains("allowInsecureLoopbackJwksForDevelopment(true)"), message);
      assertDoesNotThrow(() -> builder(uri).allowInsecureLoopbackJwksForDevelopment(true).build());
    }
  }

  @Test
  void otherSchemesNoHostAndUserInfoAreRefused() {
    assertTrue(refused(builder("file:///etc/jwks.json")).contains("the scheme 'file'"));
    assertTrue(
        refused(builder("file:///etc/jwks.json").allowInsecureLoopbackJwksForDevelopment(true))
            .contains("the scheme 'file'"));
    assertTrue(refused(builder("ftp://id.example.com/jwks.json")).contains("the scheme 'ftp'"));
    assertTrue(refused(builder("https:///jwks.json")).contains("has no host"));
    assertTrue(refused(builder("/jwks.json")).contains("is not absolute"));
    String withCredentials = refused(builder("https://admin:hunter2@id.example.com/jwks.json"));
    assertTrue(withCredentials.contains("user-info"), withCredentials);
    assertFalse(withCredentials.contains("hunter2"), "the credential is not repeated");
  }

  @Test
  void httpsWithAHostIsAccepted() {
    assertDoesNotThrow(() -> builder("https://id.example.com/.well-known/jwks.json").build());
    assertDoesNotThrow(() -> builder("HTTPS://ID.EXAMPLE.COM:8443/jwks").build());
  }
}
