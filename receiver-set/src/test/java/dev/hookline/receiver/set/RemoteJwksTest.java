package dev.hookline.receiver.set;

import static dev.hookline.receiver.set.Tokens.AUDIENCE;
import static dev.hookline.receiver.set.Tokens.ISSUER;
import static dev.hookline.receiver.set.Tokens.RSA;
import static dev.hookline.receiver.set.Tokens.bearer;
import static dev.hookline.receiver.set.Tokens.bytes;
import static dev.hookline.receiver.set.Tokens.claims;
import static dev.hookline.receiver.set.Tokens.header;
import static dev.hookline.receiver.set.Tokens.sign;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.testing.ManualClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A key set from a URL is fetched once and cached, fetched again for an unknown kid (a rotation) at
 * most every refetch interval, and again when the cache expires; a key set that cannot be had is
 * its own reason.
 */
class RemoteJwksTest {
  private final ManualClock clock = ManualClock.at(Instant.parse("2026-11-22T10:00:00Z"));

  private SecurityEventTokenVerifier verifier(URI uri, HttpClient client) {
    return SecurityEventTokenVerifier.builder()
        .jwksUri(uri, client)
        .allowInsecureLoopbackJwksForDevelopment(true) // the test server is http on loopback
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .clock(clock)
        .jwksCacheFor(Duration.ofMinutes(5))
        .jwksRefetchAtMostEvery(Duration.ofSeconds(30))
        .build();
  }

  private String signedBy(RSAKey key, String jti) throws Exception {
    return sign(
        header(JWSAlgorithm.RS256, key.getKeyID()).build(),
        claims(jti, clock.instant()).build(),
        new RSASSASigner(key));
  }

  private Reason refused(SecurityEventTokenVerifier v, String token) {
    return assertThrows(WebhookVerificationException.class, () -> v.verify(bearer(), bytes(token)))
        .reason();
  }

  @Test
  void anUnknownKidFetchesAgainAtMostOncePerInterval() throws Exception {
    try (JwksServer server = new JwksServer(Tokens.jwks(RSA))) {
      SecurityEventTokenVerifier v = verifier(server.uri(), server.client());
      v.verify(bearer(), bytes(signedBy(RSA, "evt_1")));
      v.verify(bearer(), bytes(signedBy(RSA, "evt_2")));
      assertEquals(1, server.fetches(), "cached");

      RSAKey next = Tokens.generateRsa("rsa-2");
      String made = signedBy(next, "evt_3");
      // made-up kids right after a fetch do not reach the sender
      assertEquals(Reason.UNKNOWN_KEY, refused(v, made));
      assertEquals(1, server.fetches(), "fetched a moment ago: not a rotation");

      server.publish(Tokens.jwks(next, RSA)); // the sender rotates
      clock.advance(Duration.ofSeconds(30));
      assertEquals("evt_3", v.verify(bearer(), bytes(signedBy(next, "evt_3"))).jti());
      assertEquals(2, server.fetches());
      for (int i = 0; i < 5; i++) {
        assertEquals(Reason.UNKNOWN_KEY, refused(v, signedBy(Tokens.RSA_OTHER, "evt_x" + i)));
      }
      assertEquals(2, server.fetches(), "unknown kids are rate-limited");

      clock.advance(Duration.ofMinutes(5));
      v.verify(bearer(), bytes(signedBy(next, "evt_4")));
      assertEquals(3, server.fetches(), "the cached set expired");
    }
  }

  @Test
  void aKeySetThatCannotBeFetchedIsItsOwnReason() throws Exception {
    URI nowhere;
    try (JwksServer server = new JwksServer(Tokens.jwks(RSA))) {
      nowhere = server.uri();
    }
    SecurityEventTokenVerifier v = verifier(nowhere, HttpClient.newHttpClient());
    WebhookVerificationException e =
        assertThrows(
            WebhookVerificationException.class,
            () -> v.verify(bearer(), bytes(signedBy(RSA, "evt_down"))));
    assertEquals(Reason.KEY_SET_UNAVAILABLE, e.reason());
    assertEquals(503, e.reason().httpStatus());

    try (JwksServer garbage = new JwksServer("{\"keys\": 42}")) {
      assertEquals(
          Reason.KEY_SET_UNAVAILABLE,
          refused(verifier(garbage.uri(), garbage.client()), signedBy(RSA, "evt_garbage")));
    }
  }
}
