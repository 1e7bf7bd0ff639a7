package dev.hookline.receiver.set;

import static dev.hookline.receiver.set.Tokens.AUDIENCE;
import static dev.hookline.receiver.set.Tokens.ISSUER;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Review round 7: a key set that could never be fetched (a typo in {@code jwksUri} answering 404, a
 * certificate the JVM does not trust) made every token fail with {@code KEY_SET_UNAVAILABLE},
 * answered 503 without a body as RFC 8935 leaves it, and nothing said why: the WARN line was
 * written only while a last good set carried the verifier, and the documented listener does not log
 * refusals, so the sender saw bare 503s and the listener's log stayed empty. Every failed fetch is
 * now logged (at most once per refetch interval), with the URI and the failure.
 */
class FirstJwksFetchFailureLogReviewTest {

  @Test
  void aKeySetThatWasNeverFetchedSaysWhyInTheLog() throws Exception {
    ManualClock clock = ManualClock.at(Instant.parse("2026-11-22T10:00:00Z"));
    // EC, not Tokens' RSA keys: generating those takes seconds on a busy machine
    ECKey key = new ECKeyGenerator(Curve.P_256).keyID("ec-log").generate();
    try (JwksServer server = new JwksServer(new JWKSet(key.toPublicJWK()).toString(true))) {
      server.answer(404); // a wrong path
      URI uri = server.uri();
      SecurityEventTokenVerifier v =
          SecurityEventTokenVerifier.builder()
              .allowWithoutApiKey()
              .jwksUri(uri, server.client())
              .allowInsecureLoopbackJwksForDevelopment(true)
              .issuer(ISSUER)
              .audience(AUDIENCE)
              .clock(clock)
              .build();
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(JWSAlgorithm.ES256)
                  .keyID("ec-log")
                  .type(new JOSEObjectType("secevent+jwt"))
                  .build(),
              new JWTClaimsSet.Builder()
                  .issuer(ISSUER)
                  .audience(AUDIENCE)
                  .issueTime(Date.from(clock.instant()))
                  .jwtID("evt_1")
                  .claim("events", Map.of("https://example.com/e", Map.of()))
                  .build());
      jwt.sign(new ECDSASigner(key));
      byte[] token = jwt.serialize().getBytes(StandardCharsets.US_ASCII);
      Map<String, List<String>> headers = Map.of();
      ByteArrayOutputStream captured = new ByteArrayOutputStream();
      PrintStream original = System.err;
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      WebhookVerificationException e;
      try {
        e = assertThrows(WebhookVerificationException.class, () -> v.verify(headers, token));
      } finally {
        System.setErr(original);
      }
      assertEquals(Reason.KEY_SET_UNAVAILABLE, e.reason());
      assertEquals("", SecurityEventTokenVerifier.errorBody(e), "503 carries no body");
      String log = captured.toString(StandardCharsets.UTF_8);
      assertTrue(log.contains("WARN") && log.contains("HTTP 404"), "nothing logged: " + log);
    }
  }
}
