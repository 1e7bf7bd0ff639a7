package dev.hookline.receiver.set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.testing.ManualClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Review round 8: a key set fetch that failed in the HTTP client said only the exception's simple
 * class name ("the key set at ... could not be read: ConnectException"), and one whose body was no
 * key set only "ParseException": nothing said what went wrong, in the refusal or in the WARN line.
 * They now give the failure's class and message (and its causes' until one has a message). The URI
 * is shown without its query, which may carry a token (and since round 9 without its path too).
 */
class JwksFetchFailureMessageReviewTest {
  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
  private static final String SECRET = "s3cr3t-query-token";
  private static ECKey key;
  private static byte[] token;

  @BeforeAll
  static void sign() throws Exception {
    // EC, and not through Tokens, whose RSA keys take seconds to generate on a busy machine
    key = new ECKeyGenerator(Curve.P_256).keyID("ec-msg").generate();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.ES256)
                .keyID("ec-msg")
                .type(new JOSEObjectType("secevent+jwt"))
                .build(),
            new JWTClaimsSet.Builder()
                .issuer(Tokens.ISSUER)
                .audience(Tokens.AUDIENCE)
                .issueTime(Date.from(NOW))
                .jwtID("evt_1")
                .claim("events", Map.of("https://example.com/e", Map.of()))
                .build());
    jwt.sign(new ECDSASigner(key));
    token = jwt.serialize().getBytes(StandardCharsets.US_ASCII);
  }

  private static SecurityEventTokenVerifier verifier(URI uri, HttpClient client) {
    return SecurityEventTokenVerifier.builder()
        .allowWithoutApiKey()
        .jwksUri(uri, client)
        .allowInsecureLoopbackJwksForDevelopment(true)
        .issuer(Tokens.ISSUER)
        .audience(Tokens.AUDIENCE)
        .clock(ManualClock.at(NOW))
        .build();
  }

  /** The refusal's message and what was logged meanwhile. */
  private record Outcome(String message, String log) {}

  private static Outcome refuse(SecurityEventTokenVerifier v) {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.err;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    WebhookVerificationException e;
    try {
      e = assertThrows(WebhookVerificationException.class, () -> v.verify(Map.of(), token));
    } finally {
      System.setErr(original);
    }
    assertEquals(Reason.KEY_SET_UNAVAILABLE, e.reason());
    return new Outcome(e.getMessage(), captured.toString(StandardCharsets.UTF_8));
  }

  private static URI withQuery(URI uri) {
    return URI.create(uri + "?tenant=acme&access_token=" + SECRET);
  }

  @Test
  void aConnectionThatIsRefusedSaysSoAndWhere() {
    URI nowhere;
    try (JwksServer server = new JwksServer("{}")) {
      nowhere = withQuery(server.uri()); // closed: its port refuses connections
    }
    String hostPort = nowhere.getHost() + ":" + nowhere.getPort();
    Outcome o = refuse(verifier(nowhere, HttpClient.newHttpClient()));
    for (String text : new String[] {o.message(), o.log()}) {
      // the path is not shown either (JwksUriPathRedactionReviewTest): scheme, host, port and /…
      assertTrue(text.contains("http://" + hostPort + "/… could not be fetched"), text);
      // the JDK's HTTP client gives no message for it, nor for its cause: the verifier says it
      assertTrue(text.contains("could not connect to " + hostPort), text);
      assertTrue(text.contains("java.net.ConnectException"), text);
      assertFalse(text.contains(SECRET), text);
    }
  }

  @Test
  void aBodyThatIsNoKeySetSaysWhy() {
    try (JwksServer server = new JwksServer("{\"keys\": 42}")) {
      Outcome o = refuse(verifier(withQuery(server.uri()), server.client()));
      for (String text : new String[] {o.message(), o.log()}) {
        assertTrue(text.contains("java.text.ParseException: "), "no parser message: " + text);
        assertFalse(text.contains(SECRET), text);
      }
    }
  }

  @Test
  void anHttpErrorShowsTheUriWithoutItsPathOrQuery() {
    try (JwksServer server = new JwksServer(new JWKSet(key.toPublicJWK()).toString())) {
      server.answer(500);
      Outcome o = refuse(verifier(withQuery(server.uri()), server.client()));
      for (String text : new String[] {o.message(), o.log()}) {
        URI uri = server.uri();
        String endpoint = "http://" + uri.getHost() + ":" + uri.getPort() + "/…";
        assertTrue(text.contains(endpoint + " answered HTTP 500"), text);
        assertFalse(text.contains(SECRET), text);
      }
    }
  }
}
