package dev.hookline.receiver.set;

import static dev.hookline.receiver.set.Tokens.AUDIENCE;
import static dev.hookline.receiver.set.Tokens.ISSUER;
import static dev.hookline.receiver.set.Tokens.RSA;
import static dev.hookline.receiver.set.Tokens.b64;
import static dev.hookline.receiver.set.Tokens.bytes;
import static dev.hookline.receiver.set.Tokens.claims;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The RSA strength check counts the modulus's bits, not the bytes of its encoding: a 1024-bit
 * modulus written with leading zero octets (RFC 7518 section 6.3.1.1 forbids them, but a key set
 * may carry them) is still a 1024-bit key. Nimbus's {@code RSAKey.size()} counts the encoded
 * octets, so such a key passed as 2048 bits and its tokens were accepted.
 */
class PaddedModulusReviewTest {
  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

  private static KeyPair weakPair() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(1024);
    return g.generateKeyPair();
  }

  /** The public key as a JWK whose "n" has 128 zero octets before the 1024-bit modulus. */
  private static String paddedJwk(RSAPublicKey pub, String kid) {
    byte[] magnitude = pub.getModulus().toByteArray();
    int skip = magnitude[0] == 0 ? 1 : 0; // the sign octet of BigInteger
    byte[] padded = new byte[128 + magnitude.length - skip];
    System.arraycopy(magnitude, skip, padded, 128, magnitude.length - skip);
    String n = Base64.getUrlEncoder().withoutPadding().encodeToString(padded);
    return "{\"kty\":\"RSA\",\"kid\":\"" + kid + "\",\"e\":\"AQAB\",\"n\":\"" + n + "\"}";
  }

  private static String token(KeyPair pair, String kid, String jti) throws Exception {
    String header = b64("{\"alg\":\"RS256\",\"typ\":\"secevent+jwt\",\"kid\":\"" + kid + "\"}");
    String payload = b64(claims(jti, NOW).build().toString());
    Signature s = Signature.getInstance("SHA256withRSA");
    s.initSign(pair.getPrivate());
    s.update((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
    return header
        + "."
        + payload
        + "."
        + Base64.getUrlEncoder().withoutPadding().encodeToString(s.sign());
  }

  @Test
  void aGivenKeySetWithAZeroPaddedWeakModulusIsRefusedAtBuild() throws Exception {
    KeyPair weak = weakPair();
    String jwks = "{\"keys\":[" + paddedJwk((RSAPublicKey) weak.getPublic(), "weak-padded") + "]}";
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> SecurityEventTokenVerifier.builder().jwks(jwks));
    assertTrue(e.getMessage().contains("1024 bits"), e.getMessage());
  }

  @Test
  void aFetchedZeroPaddedWeakModulusIsAWeakKey() throws Exception {
    KeyPair weak = weakPair();
    String jwks =
        "{\"keys\":["
            + RSA.toPublicJWK().toJSONString()
            + ","
            + paddedJwk((RSAPublicKey) weak.getPublic(), "weak-padded")
            + "]}";
    try (JwksServer server = new JwksServer(jwks)) {
      SecurityEventTokenVerifier verifier =
          SecurityEventTokenVerifier.builder()
              .allowWithoutApiKey()
              .jwksUri(server.uri(), server.client())
              .allowInsecureLoopbackJwksForDevelopment(true)
              .issuer(ISSUER)
              .audience(AUDIENCE)
              .clock(ManualClock.at(NOW))
              .build();
      WebhookVerificationException e =
          assertThrows(
              WebhookVerificationException.class,
              () -> verifier.verify(Map.of(), bytes(token(weak, "weak-padded", "evt_padded"))));
      assertEquals(Reason.WEAK_KEY, e.reason(), e.getMessage());
      assertTrue(e.getMessage().contains("1024 bits"), e.getMessage());
    }
  }
}
