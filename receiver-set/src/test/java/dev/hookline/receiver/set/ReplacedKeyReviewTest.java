package dev.hookline.receiver.set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Review round 8: a sender that replaces the key under an existing {@code kid} in its key set (some
 * identity providers rotate that way) had every token refused as {@code INVALID_SIGNATURE} until
 * the receiver's cached set expired ({@code jwksCacheFor}, 5 minutes by default), since only an
 * unknown {@code kid} made it fetch again. A signature that does not match a key of a fetched set
 * now makes it fetch the set once more and verify with the key found there, rate-limited as for an
 * unknown {@code kid} ({@code jwksRefetchAtMostEvery}), so that bad signatures cannot make it fetch
 * in a loop.
 */
class ReplacedKeyReviewTest {
  private static final Map<String, List<String>> NO_HEADERS = Map.of();
  private final ManualClock clock = ManualClock.at(Instant.parse("2026-11-22T10:00:00Z"));

  // EC, and not through Tokens, whose RSA keys take seconds to generate on a busy machine
  private static ECKey ec(String kid) throws Exception {
    return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
  }

  private static String jwks(ECKey key) {
    return new JWKSet(key.toPublicJWK()).toString(true);
  }

  private SecurityEventTokenVerifier verifier(JwksServer server) {
    return SecurityEventTokenVerifier.builder()
        .allowWithoutApiKey()
        .jwksUri(server.uri(), server.client())
        .allowInsecureLoopbackJwksForDevelopment(true) // the test server is http on loopback
        .issuer(Tokens.ISSUER)
        .audience(Tokens.AUDIENCE)
        .clock(clock)
        .jwksCacheFor(Duration.ofMinutes(5))
        .jwksRefetchAtMostEvery(Duration.ofSeconds(30))
        .build();
  }

  private byte[] signedBy(ECKey key, String jti) throws Exception {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.ES256)
                .keyID(key.getKeyID())
                .type(new JOSEObjectType("secevent+jwt"))
                .build(),
            new JWTClaimsSet.Builder()
                .issuer(Tokens.ISSUER)
                .audience(Tokens.AUDIENCE)
                .issueTime(Date.from(clock.instant()))
                .jwtID(jti)
                .claim("events", Map.of("https://example.com/e", Map.of()))
                .build());
    jwt.sign(new ECDSASigner(key));
    return jwt.serialize().getBytes(StandardCharsets.US_ASCII);
  }

  private static Reason refused(SecurityEventTokenVerifier v, byte[] token) {
    return assertThrows(WebhookVerificationException.class, () -> v.verify(NO_HEADERS, token))
        .reason();
  }

  @Test
  void aKeyReplacedUnderItsKidIsFetchedOnceTheRefetchIntervalAllows() throws Exception {
    ECKey before = ec("k1");
    ECKey after = ec("k1"); // the same kid, another key
    try (JwksServer server = new JwksServer(jwks(before))) {
      SecurityEventTokenVerifier v = verifier(server);
      assertEquals("evt_1", v.verify(NO_HEADERS, signedBy(before, "evt_1")).jti());
      assertEquals(1, server.fetches());

      server.publish(jwks(after)); // the sender replaces the key
      // fetched a moment ago: no new fetch yet, as for an unknown kid
      assertEquals(Reason.INVALID_SIGNATURE, refused(v, signedBy(after, "evt_2")));
      assertEquals(1, server.fetches());

      clock.advance(Duration.ofSeconds(30)); // the set is cached for 4.5 more minutes
      assertEquals("evt_3", v.verify(NO_HEADERS, signedBy(after, "evt_3")).jti());
      assertEquals(2, server.fetches(), "the signature that did not match fetched the set again");
      assertEquals("evt_4", v.verify(NO_HEADERS, signedBy(after, "evt_4")).jti());
      assertEquals(2, server.fetches(), "the new key is cached");
    }
  }

  @Test
  void badSignaturesFetchAtMostOncePerRefetchInterval() throws Exception {
    ECKey real = ec("k1");
    ECKey forger = ec("k1"); // an attacker signing under the sender's kid
    try (JwksServer server = new JwksServer(jwks(real))) {
      SecurityEventTokenVerifier v = verifier(server);
      v.verify(NO_HEADERS, signedBy(real, "evt_0"));
      for (int round = 1; round <= 3; round++) {
        clock.advance(Duration.ofSeconds(30));
        for (int i = 0; i < 5; i++) {
          assertEquals(
              Reason.INVALID_SIGNATURE, refused(v, signedBy(forger, "evt_x" + round + "_" + i)));
        }
        assertEquals(1 + round, server.fetches(), "one fetch in round " + round);
      }
      assertEquals("evt_ok", v.verify(NO_HEADERS, signedBy(real, "evt_ok")).jti());
      assertEquals(4, server.fetches());
    }
  }

  @Test
  void aRefetchThatFailsLeavesTheTokenRefusedForItsSignature() throws Exception {
    ECKey real = ec("k1");
    try (JwksServer server = new JwksServer(jwks(real))) {
      SecurityEventTokenVerifier v = verifier(server);
      v.verify(NO_HEADERS, signedBy(real, "evt_0"));
      server.answer(500);
      clock.advance(Duration.ofSeconds(30));
      assertEquals(Reason.INVALID_SIGNATURE, refused(v, signedBy(ec("k1"), "evt_bad")));
      assertEquals(2, server.fetches());
      // the cached set still serves while fresh, and the failure is not retried per token
      assertEquals("evt_1", v.verify(NO_HEADERS, signedBy(real, "evt_1")).jti());
      assertEquals(Reason.INVALID_SIGNATURE, refused(v, signedBy(ec("k1"), "evt_bad2")));
      assertEquals(2, server.fetches());
    }
  }
}
