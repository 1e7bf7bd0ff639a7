package dev.hookline.receiver.set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyOperation;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Review round 8: RFC 7517 sections 4.2 and 4.3: a key published with {@code "use":"enc"}, or with
 * {@code key_ops} that do not include {@code verify}, is not for verifying signatures. The verifier
 * used any key under the token's {@code kid}, so a token signed with the private half of an
 * encryption key (a key the sender meant for something else, or one whose private half is held more
 * widely) was accepted. Such a key is now refused ({@code ALGORITHM_KEY_MISMATCH}, naming the key
 * and why), and among keys sharing a {@code kid} the one for signatures is chosen.
 */
class KeyUseReviewTest {
  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

  // EC, and not through Tokens, whose RSA keys: generating those takes seconds on a busy machine
  private static ECKey ec(String kid, KeyUse use, Set<KeyOperation> ops) throws Exception {
    return new ECKeyGenerator(Curve.P_256).keyID(kid).keyUse(use).keyOperations(ops).generate();
  }

  private static String jwks(ECKey... keys) {
    List<JWK> pub = new ArrayList<>();
    for (ECKey k : keys) {
      pub.add(k.toPublicJWK());
    }
    return new JWKSet(pub).toString(true);
  }

  private static SecurityEventTokenVerifier verifier(ECKey... keys) {
    return SecurityEventTokenVerifier.builder()
        .allowWithoutApiKey()
        .jwks(jwks(keys))
        .issuer(Tokens.ISSUER)
        .audience(Tokens.AUDIENCE)
        .clock(ManualClock.at(NOW))
        .build();
  }

  private static byte[] signedBy(ECKey key, String jti) throws Exception {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.ES256)
                .keyID(key.getKeyID())
                .type(new JOSEObjectType("secevent+jwt"))
                .build(),
            new JWTClaimsSet.Builder()
                .issuer(Tokens.ISSUER)
                .audience(Tokens.AUDIENCE)
                .issueTime(Date.from(NOW))
                .jwtID(jti)
                .claim("events", Map.of("https://example.com/e", Map.of()))
                .build());
    jwt.sign(new ECDSASigner(key));
    return jwt.serialize().getBytes(StandardCharsets.US_ASCII);
  }

  private static WebhookVerificationException refused(SecurityEventTokenVerifier v, byte[] token) {
    return assertThrows(WebhookVerificationException.class, () -> v.verify(Map.of(), token));
  }

  @Test
  void anEncryptionKeyVerifiesNoSignature() throws Exception {
    ECKey enc = ec("ec-enc", KeyUse.ENCRYPTION, null);
    WebhookVerificationException e = refused(verifier(enc), signedBy(enc, "evt_enc"));
    assertEquals(Reason.ALGORITHM_KEY_MISMATCH, e.reason());
    assertTrue(
        e.getMessage().contains("ec-enc") && e.getMessage().contains("\"use\":\"enc\""),
        e.getMessage());
    String body = SecurityEventTokenVerifier.errorBody(e);
    assertTrue(body.contains("\"err\":\"invalid_key\""), body);
  }

  @Test
  void aKeyWhoseOperationsLackVerifyVerifiesNoSignature() throws Exception {
    ECKey wrap = ec("ec-wrap", null, Set.of(KeyOperation.WRAP_KEY, KeyOperation.ENCRYPT));
    WebhookVerificationException e = refused(verifier(wrap), signedBy(wrap, "evt_ops"));
    assertEquals(Reason.ALGORITHM_KEY_MISMATCH, e.reason());
    assertTrue(
        e.getMessage().contains("ec-wrap") && e.getMessage().contains("key_ops"), e.getMessage());
  }

  @Test
  void signatureKeysStillVerify() throws Exception {
    ECKey sig = ec("ec-sig", KeyUse.SIGNATURE, null);
    ECKey verify = ec("ec-verify", null, Set.of(KeyOperation.VERIFY));
    ECKey plain = ec("ec-plain", null, null); // neither member: any use, as before
    SecurityEventTokenVerifier v = verifier(sig, verify, plain);
    assertEquals("ec-sig", v.verify(Map.of(), signedBy(sig, "evt_sig")).keyId());
    assertEquals("ec-verify", v.verify(Map.of(), signedBy(verify, "evt_verify")).keyId());
    assertEquals("ec-plain", v.verify(Map.of(), signedBy(plain, "evt_plain")).keyId());
  }

  @Test
  void theSignatureKeyIsChosenAmongKeysSharingAKid() throws Exception {
    ECKey enc = ec("ec-1", KeyUse.ENCRYPTION, null);
    ECKey sig = ec("ec-1", KeyUse.SIGNATURE, null);
    SecurityEventTokenVerifier v = verifier(enc, sig); // the encryption key first
    assertEquals("ec-1", v.verify(Map.of(), signedBy(sig, "evt_shared")).keyId());
    // the encryption key is not tried: the signature key under its kid does not match
    assertEquals(Reason.INVALID_SIGNATURE, refused(v, signedBy(enc, "evt_enc")).reason());
  }

  @Test
  void theParsedKeySetKeepsUseAndKeyOps() throws Exception {
    // the guard for the tests above: the published set carries both members to the verifier
    String json =
        jwks(ec("a", KeyUse.ENCRYPTION, null), ec("b", null, Set.of(KeyOperation.ENCRYPT)));
    JWKSet set = JWKSet.parse(json);
    assertEquals(KeyUse.ENCRYPTION, set.getKeyByKeyId("a").getKeyUse());
    assertEquals(Set.of(KeyOperation.ENCRYPT), set.getKeyByKeyId("b").getKeyOperations());
  }
}
