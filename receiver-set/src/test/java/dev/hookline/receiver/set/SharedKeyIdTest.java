package dev.hookline.receiver.set;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import dev.hookline.testing.ManualClock;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * RFC 7517 section 4.5: keys of one set SHOULD have distinct {@code kid}s, "one example in which
 * different keys might use the same kid value is if they have different kty values but are
 * considered to be equivalent alternatives". A sender publishing an RSA and an EC key under one
 * {@code kid} and signing ES256 must be verified with the EC key, not refused because the RSA key
 * comes first.
 */
class SharedKeyIdTest {
  @Test
  void theKeyOfTheAlgorithmsTypeIsChosenAmongKeysSharingAKid() throws Exception {
    Instant now = Instant.parse("2026-11-22T10:00:00Z");
    RSAKey rsa = Tokens.generateRsa("k1");
    ECKey ec = Tokens.generateEc("k1");
    SecurityEventTokenVerifier verifier =
        SecurityEventTokenVerifier.builder()
            .allowWithoutApiKey()
            .jwks(Tokens.jwks(rsa, ec))
            .issuer(Tokens.ISSUER)
            .audience(Tokens.AUDIENCE)
            .clock(ManualClock.at(now))
            .build();
    String token =
        Tokens.sign(
            Tokens.header(JWSAlgorithm.ES256, "k1").build(),
            Tokens.claims("evt_shared_kid", now).build(),
            new ECDSASigner(ec));

    assertEquals("k1", verifier.verify(Map.of(), Tokens.bytes(token)).keyId());
  }
}
