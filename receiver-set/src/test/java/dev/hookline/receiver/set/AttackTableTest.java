package dev.hookline.receiver.set;

import static dev.hookline.receiver.set.Tokens.AUDIENCE;
import static dev.hookline.receiver.set.Tokens.EC;
import static dev.hookline.receiver.set.Tokens.ISSUER;
import static dev.hookline.receiver.set.Tokens.RSA;
import static dev.hookline.receiver.set.Tokens.RSA_OTHER;
import static dev.hookline.receiver.set.Tokens.b64;
import static dev.hookline.receiver.set.Tokens.bearer;
import static dev.hookline.receiver.set.Tokens.bytes;
import static dev.hookline.receiver.set.Tokens.claims;
import static dev.hookline.receiver.set.Tokens.header;
import static dev.hookline.receiver.set.Tokens.sign;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.hookline.receiver.Notification;
import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * SETs made by nimbus verify; every attack of the table is refused, each with its own reason, and
 * nothing refused before the replay check reaches the replay guard.
 */
class AttackTableTest {
  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
  private final ManualClock clock = ManualClock.at(NOW);

  private SecurityEventTokenVerifier.Builder builder() {
    return SecurityEventTokenVerifier.builder()
        .jwks(Tokens.jwks(RSA, EC))
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .apiKey(Tokens.API_KEY)
        .clock(clock);
  }

  private final SecurityEventTokenVerifier verifier = builder().build();

  private Reason refused(String token) {
    return refused(verifier, token);
  }

  private static Reason refused(SecurityEventTokenVerifier v, String token) {
    WebhookVerificationException e =
        assertThrows(WebhookVerificationException.class, () -> v.verify(bearer(), bytes(token)));
    assertFalse(e.getMessage().contains(Tokens.API_KEY), e.getMessage());
    return e.reason();
  }

  @Test
  void setsMadeByNimbusVerifyWithBothAlgorithms() {
    SecurityEvent rs = verifier.verify(bearer(), bytes(Tokens.rs256("evt_rs", NOW)));
    assertEquals("evt_rs", rs.jti());
    assertEquals("user.updated", rs.type());
    assertEquals(Tokens.PREFIX + "user.updated", rs.typeUri());
    assertEquals(
        Optional.of(new Notification.Subject("user-42", Optional.empty(), Optional.of("acme"))),
        rs.subject());
    assertEquals(List.of("email"), rs.changed());
    assertEquals("ada@example.com", rs.data().get("email").asText());
    assertEquals(NOW, rs.issuedAt());
    assertEquals(Optional.of(NOW.minusSeconds(2)), rs.occurredAt());
    assertEquals(List.of(AUDIENCE), rs.audience());
    assertEquals("rsa-1", rs.keyId());

    SecurityEvent es = verifier.verify(bearer(), bytes(Tokens.es256("evt_es", NOW)));
    assertEquals("ec-1", es.keyId());
    assertEquals("evt_es", es.jti());
  }

  @Test
  void algNoneIsRefused() {
    String unsigned =
        b64("{\"alg\":\"none\",\"typ\":\"secevent+jwt\",\"kid\":\"rsa-1\"}")
            + "."
            + b64(claims("evt_none", NOW).build().toString())
            + ".";
    assertEquals(Reason.ALGORITHM_NONE, refused(unsigned));
  }

  @Test
  void hs256SignedWithTheRsaPublicKeyIsRefused() throws Exception {
    byte[] publicKeyAsSecret = RSA.toRSAPublicKey().getEncoded();
    String forged =
        sign(
            header(JWSAlgorithm.HS256, RSA.getKeyID()).build(),
            claims("evt_hs", NOW).build(),
            new MACSigner(publicKeyAsSecret));
    assertEquals(Reason.SYMMETRIC_ALGORITHM, refused(forged));
  }

  @Test
  void anAlgorithmNotPinnedToTheKeysTypeIsRefused() throws Exception {
    // ES256 claimed, but the kid names the RSA key
    String token =
        sign(
            header(JWSAlgorithm.ES256, RSA.getKeyID()).build(),
            claims("evt_mix", NOW).build(),
            new com.nimbusds.jose.crypto.ECDSASigner(EC));
    assertEquals(Reason.ALGORITHM_KEY_MISMATCH, refused(token));
  }

  @Test
  void anUnknownKidIsRefused() throws Exception {
    String token =
        sign(
            header(JWSAlgorithm.RS256, RSA_OTHER.getKeyID()).build(),
            claims("evt_kid", NOW).build(),
            new RSASSASigner(RSA_OTHER));
    assertEquals(Reason.UNKNOWN_KEY, refused(token));
  }

  @Test
  void kidPathInjectionIsRefused() throws Exception {
    for (String kid : List.of("../../keys/rsa-1", "rsa-1/../rsa-1", "/etc/passwd", "a\\b", "")) {
      String token =
          sign(
              header(JWSAlgorithm.RS256, kid).build(),
              claims("evt_path", NOW).build(),
              new RSASSASigner(RSA));
      assertEquals(Reason.MALFORMED_KEY_ID, refused(token), kid);
    }
  }

  @Test
  void anExpiredOrFutureIatIsRefused() {
    assertEquals(Reason.TIMESTAMP_TOO_OLD, refused(Tokens.rs256("evt_old", NOW.minusSeconds(301))));
    assertEquals(
        Reason.TIMESTAMP_IN_FUTURE, refused(Tokens.rs256("evt_future", NOW.plusSeconds(301))));
    // the tolerance's edges are accepted
    verifier.verify(bearer(), bytes(Tokens.rs256("evt_edge_old", NOW.minusSeconds(300))));
    verifier.verify(bearer(), bytes(Tokens.rs256("evt_edge_new", NOW.plusSeconds(300))));
  }

  private static String rs256(JWTClaimsSet claims) throws Exception {
    return sign(header(JWSAlgorithm.RS256, RSA.getKeyID()).build(), claims, new RSASSASigner(RSA));
  }

  @Test
  void aTokenOnOrAfterItsExpIsRefusedWithinTheTolerance() throws Exception {
    Date exp = Date.from(NOW.plusSeconds(10));
    // each token freshly issued (iat now), so that only exp can refuse it
    assertEquals(
        "evt_exp_1",
        verifier
            .verify(bearer(), bytes(rs256(claims("evt_exp_1", NOW).expirationTime(exp).build())))
            .jti());
    clock.set(NOW.plusSeconds(10 + 299));
    SecurityEvent skewed =
        verifier.verify(
            bearer(),
            bytes(rs256(claims("evt_exp_2", clock.instant()).expirationTime(exp).build())));
    assertEquals("evt_exp_2", skewed.jti(), "past exp, but within the tolerance for clock skew");
    clock.set(NOW.plusSeconds(10 + 300)); // exp + tolerance: RFC 7519's "on or after"
    assertEquals(
        Reason.TIMESTAMP_TOO_OLD,
        refused(rs256(claims("evt_exp_3", clock.instant()).expirationTime(exp).build())));
  }

  @Test
  void aTokenBeforeItsNbfIsRefusedWithinTheTolerance() throws Exception {
    Date nbf = Date.from(NOW.plusSeconds(301));
    assertEquals(
        Reason.TIMESTAMP_IN_FUTURE,
        refused(rs256(claims("evt_nbf", NOW).notBeforeTime(nbf).build())));
    clock.advance(Duration.ofSeconds(1)); // nbf - tolerance: valid from then on
    assertEquals(
        "evt_nbf",
        verifier
            .verify(bearer(), bytes(rs256(claims("evt_nbf", NOW).notBeforeTime(nbf).build())))
            .jti());
  }

  @Test
  void anExpOrNbfThatIsNotANumericDateIsMalformed() throws Exception {
    assertEquals(
        Reason.MALFORMED_BODY,
        refused(rs256(claims("evt_exp_text", NOW).claim("exp", "tomorrow").build())));
    assertEquals(
        Reason.MALFORMED_BODY, refused(rs256(claims("evt_nbf_neg", NOW).claim("nbf", -1).build())));
  }

  @Test
  void aWrongAudienceIsRefused() throws Exception {
    String token =
        sign(
            header(JWSAlgorithm.RS256, RSA.getKeyID()).build(),
            claims("evt_aud", NOW).audience("https://someone-else.example").build(),
            new RSASSASigner(RSA));
    assertEquals(Reason.WRONG_AUDIENCE, refused(token));
  }

  @Test
  void aWrongIssuerIsRefused() throws Exception {
    String token =
        sign(
            header(JWSAlgorithm.RS256, RSA.getKeyID()).build(),
            claims("evt_iss", NOW).issuer("https://evil.example").build(),
            new RSASSASigner(RSA));
    assertEquals(Reason.WRONG_ISSUER, refused(token));
  }

  @Test
  void aTamperedPayloadIsRefused() {
    String[] parts = Tokens.rs256("evt_tamper", NOW).split("\\.", -1);
    String payload =
        new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
            .replace("user-42", "user-43");
    assertEquals(Reason.INVALID_SIGNATURE, refused(parts[0] + "." + b64(payload) + "." + parts[2]));
  }

  @Test
  void anUnknownCritHeaderIsRefused() throws Exception {
    String token =
        sign(
            header(JWSAlgorithm.RS256, RSA.getKeyID())
                .criticalParams(Set.of("urn:example:must-understand"))
                .customParam("urn:example:must-understand", true)
                .build(),
            claims("evt_crit", NOW).build(),
            new RSASSASigner(RSA));
    assertEquals(Reason.UNSUPPORTED_CRITICAL_HEADER, refused(token));
  }

  @Test
  void aReplayedJtiIsRefused() {
    String token = Tokens.rs256("evt_replay", NOW);
    SecurityEvent first = verifier.verify(bearer(), bytes(token));
    assertEquals(Reason.IN_PROGRESS, refused(token), "while the first is being processed");
    verifier.complete(first);
    assertEquals(Reason.ALREADY_PROCESSED, refused(token));
    // the sender's retry is a new token (new iat) with the same jti: acknowledged, not processed
    clock.advance(Duration.ofMinutes(1));
    assertEquals(Reason.ALREADY_PROCESSED, refused(Tokens.rs256("evt_replay", clock.instant())));
  }

  @Test
  void aReleasedJtiIsProcessedAgain() {
    String token = Tokens.rs256("evt_release", NOW);
    verifier.release(verifier.verify(bearer(), bytes(token)));
    assertEquals("evt_release", verifier.verify(bearer(), bytes(token)).jti());
  }

  @Test
  void aBodyOverTheSizeLimitIsRefused() {
    SecurityEventTokenVerifier small = builder().maxBodyBytes(1024).build();
    String big = Tokens.rs256("evt_" + "x".repeat(1200), NOW);
    assertEquals(Reason.BODY_TOO_LARGE, refused(small, big));
  }

  @Test
  void aJwksWithAWeakRsaKeyIsRefused() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(1024);
    KeyPair weak = g.generateKeyPair();
    RSAKey weakJwk = new RSAKey.Builder((RSAPublicKey) weak.getPublic()).keyID("weak-1").build();
    // given keys: refused when the verifier is built
    IllegalArgumentException atBuild =
        assertThrows(
            IllegalArgumentException.class,
            () -> SecurityEventTokenVerifier.builder().jwks(Tokens.jwks(weakJwk)));
    assertTrue(atBuild.getMessage().contains("1024"), atBuild.getMessage());

    // a fetched key set: a token naming the weak key is refused, signature unexamined
    String header = b64("{\"alg\":\"RS256\",\"typ\":\"secevent+jwt\",\"kid\":\"weak-1\"}");
    String payload = b64(claims("evt_weak", NOW).build().toString());
    Signature s = Signature.getInstance("SHA256withRSA");
    s.initSign(weak.getPrivate());
    s.update((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
    String token =
        header
            + "."
            + payload
            + "."
            + Base64.getUrlEncoder().withoutPadding().encodeToString(s.sign());
    try (JwksServer server = new JwksServer(Tokens.jwks(RSA, weakJwk))) {
      SecurityEventTokenVerifier fetching =
          SecurityEventTokenVerifier.builder()
              .allowWithoutApiKey()
              .jwksUri(server.uri(), server.client())
              .allowInsecureLoopbackJwksForDevelopment(true)
              .issuer(ISSUER)
              .audience(AUDIENCE)
              .clock(clock)
              .build();
      assertEquals(Reason.WEAK_KEY, refused(fetching, token));
    }
  }

  @Test
  void aWrongTypIsRefusedAndAMissingApiKeyToo() throws Exception {
    String jwt =
        sign(
            new com.nimbusds.jose.JWSHeader.Builder(JWSAlgorithm.RS256)
                .keyID(RSA.getKeyID())
                .type(com.nimbusds.jose.JOSEObjectType.JWT)
                .build(),
            claims("evt_typ", NOW).build(),
            new RSASSASigner(RSA));
    assertEquals(Reason.INVALID_TYPE, refused(jwt));
    WebhookVerificationException noKey =
        assertThrows(
            WebhookVerificationException.class,
            () -> verifier.verify(Map.of(), bytes(Tokens.rs256("evt_nokey", NOW))));
    assertEquals(Reason.MISSING_API_KEY, noKey.reason());
    assertEquals(
        Reason.MALFORMED_BODY,
        assertThrows(
                WebhookVerificationException.class,
                () -> verifier.verify(bearer(), bytes("not.a-token")))
            .reason());
  }

  @Test
  void duplicateHeaderMembersAndAbsurdTimesAreMalformed() throws Exception {
    String payload = b64(claims("evt_dup", NOW).build().toString());
    String dupHeader =
        b64("{\"alg\":\"RS256\",\"alg\":\"HS256\",\"typ\":\"secevent+jwt\",\"kid\":\"rsa-1\"}");
    assertEquals(Reason.MALFORMED_BODY, refused(dupHeader + "." + payload + ".c2ln"));
    String farFuture =
        sign(
            header(JWSAlgorithm.RS256, RSA.getKeyID()).build(),
            claims("evt_far", NOW).claim("iat", Long.MAX_VALUE).build(),
            new RSASSASigner(RSA));
    assertEquals(Reason.MALFORMED_BODY, refused(farFuture));
  }

  @Test
  void eventsMustHaveExactlyOneMember() throws Exception {
    String two =
        sign(
            header(JWSAlgorithm.RS256, RSA.getKeyID()).build(),
            claims("evt_two", NOW)
                .claim(
                    "events",
                    Map.of(
                        Tokens.PREFIX + "user.updated", Map.of(),
                        Tokens.PREFIX + "user.deleted", Map.of()))
                .build(),
            new RSASSASigner(RSA));
    assertEquals(Reason.MALFORMED_BODY, refused(two));
    // a malformed event leaves the jti free for a correct retry
    assertEquals("evt_two", verifier.verify(bearer(), bytes(Tokens.rs256("evt_two", NOW))).jti());
  }

  @Test
  void theRfc8935ErrorBodyCarriesTheCode() {
    String body =
        SecurityEventTokenVerifier.errorBody(
            new WebhookVerificationException(Reason.WRONG_AUDIENCE, "not ours"));
    assertEquals("{\"err\":\"invalid_audience\",\"description\":\"not ours\"}", body);
    assertEquals(
        "{\"err\":\"invalid_key\",\"description\":\"x\"}",
        SecurityEventTokenVerifier.errorBody(
            new WebhookVerificationException(Reason.UNKNOWN_KEY, "x")));
  }

  @Test
  void everyRefusalOfTheTokenIsA400WithAnErrorBodyAndTheRestHaveNoBody() {
    Map<Reason, Integer> notTheTokensFault =
        Map.of(
            Reason.ALREADY_PROCESSED, 202,
            Reason.IN_PROGRESS, 409,
            Reason.BODY_TOO_LARGE, 413,
            Reason.KEY_SET_UNAVAILABLE, 503);
    for (Reason r : Reason.values()) {
      WebhookVerificationException e = new WebhookVerificationException(r, "why");
      int status = SecurityEventTokenVerifier.httpStatus(e);
      String body = SecurityEventTokenVerifier.errorBody(e);
      if (notTheTokensFault.containsKey(r)) {
        assertEquals(notTheTokensFault.get(r), status, r.name());
        assertEquals("", body, r.name());
      } else {
        assertEquals(400, status, r.name());
        assertTrue(body.startsWith("{\"err\":\""), r + ": " + body);
      }
    }
    assertEquals(
        "{\"err\":\"invalid_issuer\",\"description\":\"x\"}",
        SecurityEventTokenVerifier.errorBody(
            new WebhookVerificationException(Reason.WRONG_ISSUER, "x")));
    assertEquals(
        "{\"err\":\"authentication_failed\",\"description\":\"x\"}",
        SecurityEventTokenVerifier.errorBody(
            new WebhookVerificationException(Reason.INVALID_API_KEY, "x")));
  }
}
