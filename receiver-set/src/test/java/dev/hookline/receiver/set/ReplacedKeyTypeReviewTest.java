package dev.hookline.receiver.set;

import static dev.hookline.receiver.set.Tokens.RSA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.testing.ManualClock;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Review round 139: a sender that replaces the key under an existing {@code kid} with one of
 * another type (an RSA key by an EC key), for another algorithm (its {@code alg}) or of another
 * strength had every token signed with the new key refused as {@code ALGORITHM_KEY_MISMATCH} until
 * the cached key set expired ({@code jwksCacheFor}, 5 minutes by default): only an unknown {@code
 * kid} or a signature that did not match made it fetch again, and the key under the {@code kid} was
 * refused before its signature was checked. A key under the token's {@code kid} that cannot verify
 * the token's algorithm now has the set fetched again, as for an unknown {@code kid}, within the
 * same limit ({@code jwksRefetchAtMostEvery}): such a token needs no valid signature, so tokens
 * naming a known {@code kid} with the other algorithm must not make the verifier fetch more often
 * than made-up ids can.
 */
class ReplacedKeyTypeReviewTest {
  private static final Map<String, List<String>> NO_HEADERS = Map.of();
  private final ManualClock clock = ManualClock.at(Instant.parse("2026-11-22T10:00:00Z"));

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

  /** An EC key under the kid of {@link Tokens#RSA}. */
  private static ECKey ecUnderTheRsaKid() throws Exception {
    return new ECKeyGenerator(Curve.P_256).keyID(RSA.getKeyID()).generate();
  }

  private byte[] rs256(String jti) {
    return Tokens.bytes(Tokens.rs256(jti, clock.instant()));
  }

  private byte[] es256(ECKey key, String jti) throws Exception {
    return Tokens.bytes(
        Tokens.sign(
            Tokens.header(JWSAlgorithm.ES256, key.getKeyID()).build(),
            Tokens.claims(jti, clock.instant()).build(),
            new ECDSASigner(key)));
  }

  private static WebhookVerificationException refused(SecurityEventTokenVerifier v, byte[] token) {
    return assertThrows(WebhookVerificationException.class, () -> v.verify(NO_HEADERS, token));
  }

  @Test
  void anRsaKeyReplacedByAnEcKeyUnderItsKidIsFetchedOnceTheRefetchIntervalAllows()
      throws Exception {
    ECKey ec = ecUnderTheRsaKid();
    try (JwksServer server = new JwksServer(Tokens.jwks(RSA))) {
      SecurityEventTokenVerifier v = verifier(server);
      assertEquals("evt_1", v.verify(NO_HEADERS, rs256("evt_1")).jti());
      assertEquals(1, server.fetches());

      server.publish(Tokens.jwks(ec)); // the sender swaps the key type under the same kid
      // fetched a moment ago: no new fetch yet, as for an unknown kid
      assertEquals(Reason.ALGORITHM_KEY_MISMATCH, refused(v, es256(ec, "evt_2")).reason());
      assertEquals(1, server.fetches());

      clock.advance(Duration.ofSeconds(30)); // the set is cached for 4.5 more minutes
      assertEquals("evt_3", v.verify(NO_HEADERS, es256(ec, "evt_3")).jti());
      assertEquals(2, server.fetches(), "the key of the other type fetched the set again");
      assertEquals("evt_4", v.verify(NO_HEADERS, es256(ec, "evt_4")).jti());
      assertEquals(2, server.fetches(), "the new key is cached");
      // the old key is gone from the sender's set: its tokens are now the mismatched ones
      assertEquals(Reason.ALGORITHM_KEY_MISMATCH, refused(v, rs256("evt_5")).reason());
      assertEquals(2, server.fetches());
    }
  }

  @Test
  void aKeyWhoseAlgChangedUnderItsKidIsFetchedOnceTheRefetchIntervalAllows() throws Exception {
    JWK forPs256 = new RSAKey.Builder(RSA.toPublicJWK()).algorithm(JWSAlgorithm.PS256).build();
    JWK forRs256 = new RSAKey.Builder(RSA.toPublicJWK()).algorithm(JWSAlgorithm.RS256).build();
    try (JwksServer server = new JwksServer(Tokens.jwks(forPs256))) {
      SecurityEventTokenVerifier v = verifier(server);
      WebhookVerificationException e = refused(v, rs256("evt_1"));
      assertEquals(Reason.ALGORITHM_KEY_MISMATCH, e.reason());
      assertTrue(e.getMessage().contains("is for PS256"), e.getMessage());
      assertEquals(1, server.fetches());

      server.publish(Tokens.jwks(forRs256)); // the same key material, now for RS256
      clock.advance(Duration.ofSeconds(30));
      assertEquals("evt_2", v.verify(NO_HEADERS, rs256("evt_2")).jti());
      assertEquals(2, server.fetches());
    }
  }

  @Test
  void aWeakKeyReplacedByAStrongOneUnderItsKidIsFetchedOnceTheRefetchIntervalAllows()
      throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(1024);
    JWK weak =
        new RSAKey.Builder((RSAPublicKey) g.generateKeyPair().getPublic())
            .keyID(RSA.getKeyID())
            .build();
    try (JwksServer server = new JwksServer(Tokens.jwks(weak))) {
      SecurityEventTokenVerifier v = verifier(server);
      assertEquals(Reason.WEAK_KEY, refused(v, rs256("evt_1")).reason());
      assertEquals(1, server.fetches());

      server.publish(Tokens.jwks(RSA)); // a 2048-bit key under the same kid
      clock.advance(Duration.ofSeconds(30));
      assertEquals("evt_2", v.verify(NO_HEADERS, rs256("evt_2")).jti());
      assertEquals(2, server.fetches());
    }
  }

  @Test
  void tokensNamingAKnownKidWithTheOtherAlgorithmFetchAtMostOncePerRefetchInterval()
      throws Exception {
    ECKey forger = ecUnderTheRsaKid(); // an attacker's ES256 tokens under the sender's RSA kid
    ECKey unknown = new ECKeyGenerator(Curve.P_256).keyID("made-up").generate();
    try (JwksServer server = new JwksServer(Tokens.jwks(RSA))) {
      SecurityEventTokenVerifier v = verifier(server);
      v.verify(NO_HEADERS, rs256("evt_0"));
      for (int round = 1; round <= 3; round++) {
        clock.advance(Duration.ofSeconds(30));
        for (int i = 0; i < 5; i++) {
          WebhookVerificationException e = refused(v, es256(forger, "evt_x" + round + "_" + i));
          assertEquals(Reason.ALGORITHM_KEY_MISMATCH, e.reason());
          assertTrue(e.getMessage().contains("ES256 needs an EC P-256 key"), e.getMessage());
          // made-up kids share the limit: no second fetch in the round
          assertEquals(Reason.UNKNOWN_KEY, refused(v, es256(unknown, "evt_u" + round)).reason());
        }
        assertEquals(1 + round, server.fetches(), "one fetch in round " + round);
      }
      assertEquals("evt_ok", v.verify(NO_HEADERS, rs256("evt_ok")).jti());
      assertEquals(4, server.fetches());
    }
  }

  @Test
  void aRefetchThatFailsLeavesTheTokenRefusedForTheKey() throws Exception {
    ECKey ec = ecUnderTheRsaKid();
    try (JwksServer server = new JwksServer(Tokens.jwks(RSA))) {
      SecurityEventTokenVerifier v = verifier(server);
      v.verify(NO_HEADERS, rs256("evt_0"));
      server.answer(500);
      clock.advance(Duration.ofSeconds(30));
      assertEquals(Reason.ALGORITHM_KEY_MISMATCH, refused(v, es256(ec, "evt_1")).reason());
      assertEquals(2, server.fetches());
      // the cached set still serves while fresh, and the failure is not retried per token
      assertEquals("evt_2", v.verify(NO_HEADERS, rs256("evt_2")).jti());
      assertEquals(Reason.ALGORITHM_KEY_MISMATCH, refused(v, es256(ec, "evt_3")).reason());
      assertEquals(2, server.fetches());
    }
  }
}
