package dev.hookline.receiver.set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import dev.hookline.receiver.ReplayGuard;
import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Review round 139: a {@code toe} claim (RFC 8417's time of event, a NumericDate) that was not one
 * (a string, {@code null}, a number too large for a long or non-finite, a time outside the range
 * read) was dropped silently and the token accepted with no {@link SecurityEvent#occurredAt()},
 * while such an {@code exp}, {@code nbf} or {@code iat} is refused. It is now refused the same way
 * ({@code MALFORMED_BODY}, naming the claim), before the replay guard. The range read is what a
 * Hookline event may carry (years 1 to 9999), whose epoch second the sender writes: a {@code toe}
 * before 1970 was dropped too, and is now given.
 */
class ToeClaimReviewTest {
  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
  private static ECKey key;

  private final AtomicInteger begun = new AtomicInteger();
  private final ReplayGuard guard = counting(ReplayGuard.inMemory(ManualClock.at(NOW), 100));

  // EC, and not through Tokens, whose RSA keys take seconds to generate on a busy machine
  @BeforeAll
  static void generate() throws Exception {
    key = new ECKeyGenerator(Curve.P_256).keyID("ec-toe").generate();
  }

  private ReplayGuard counting(ReplayGuard inner) {
    return new ReplayGuard() {
      @Override
      public State begin(String id, Instant until) {
        begun.incrementAndGet();
        return inner.begin(id, until);
      }

      @Override
      public void complete(String id, Instant until) {
        inner.complete(id, until);
      }

      @Override
      public void abandon(String id) {
        inner.abandon(id);
      }

      @Override
      public void abandon(String id, Instant until) {
        inner.abandon(id, until);
      }
    };
  }

  private SecurityEventTokenVerifier verifier() {
    return SecurityEventTokenVerifier.builder()
        .allowWithoutApiKey()
        .jwks(new JWKSet(key.toPublicJWK()).toString(true))
        .issuer(Tokens.ISSUER)
        .audience(Tokens.AUDIENCE)
        .clock(ManualClock.at(NOW))
        .replayGuard(guard)
        .build();
  }

  /** A token whose {@code toe} is written as given, or left out if null. */
  private static byte[] withToe(String jti, @Nullable String toe) throws Exception {
    String claims =
        "{\"iss\":\""
            + Tokens.ISSUER
            + "\",\"aud\":\""
            + Tokens.AUDIENCE
            + "\",\"iat\":"
            + NOW.getEpochSecond()
            + ",\"jti\":\""
            + jti
            + "\""
            + (toe == null ? "" : ",\"toe\":" + toe)
            + ",\"events\":{\"https://example.com/e\":{}}}";
    JWSObject jws =
        new JWSObject(
            new JWSHeader.Builder(JWSAlgorithm.ES256)
                .keyID(key.getKeyID())
                .type(new JOSEObjectType("secevent+jwt"))
                .build(),
            new Payload(claims));
    jws.sign(new ECDSASigner(key));
    return jws.serialize().getBytes(StandardCharsets.US_ASCII);
  }

  private static Optional<Instant> occurredAt(SecurityEventTokenVerifier v, String toe)
      throws Exception {
    return v.verify(Map.of(), withToe("evt_" + toe.hashCode(), toe)).occurredAt();
  }

  @Test
  void aToeThatIsNotANumericDateIsRefusedBeforeTheReplayGuardAsExpIs() throws Exception {
    SecurityEventTokenVerifier v = verifier();
    String[] malformed = {
      "\"2026-11-22T09:59:58Z\"", // a string
      "\"1795428930\"", // a number in a string
      "null",
      "true",
      "{}",
      "[1795428930]",
      "1e400", // read as an infinite double
      "-1e400",
      "1e30", // finite, beyond a long
      "99999999999999999999999", // an integer beyond a long
      "253402300800", // 10000-01-01T00:00:00Z: after any time an event may carry
      "-62135596801", // 1 second before 0001-01-01T00:00:00Z
    };
    for (String toe : malformed) {
      WebhookVerificationException e =
          assertThrows(
              WebhookVerificationException.class,
              () -> v.verify(Map.of(), withToe("evt_bad", toe)),
              "toe " + toe);
      assertEquals(Reason.MALFORMED_BODY, e.reason(), "toe " + toe);
      assertTrue(e.getMessage().contains("toe"), e.getMessage());
      String body = SecurityEventTokenVerifier.errorBody(e);
      assertTrue(body.contains("\"err\":\"invalid_request\""), body);
    }
    assertEquals(0, begun.get(), "refused before the replay guard, as a malformed exp or nbf");
    // the jti was not remembered: the sender's corrected token is processed
    assertEquals(
        "evt_bad", v.verify(Map.of(), withToe("evt_bad", "" + NOW.getEpochSecond())).jti());
  }

  @Test
  void aToeWithinYearsOneTo9999IsGivenAsOccurredAt() throws Exception {
    SecurityEventTokenVerifier v = verifier();
    assertEquals(Optional.of(NOW.minusSeconds(2)), occurredAt(v, "" + (NOW.getEpochSecond() - 2)));
    // what Hookline's sender writes for events before 1970, which the receiver dropped
    assertEquals(Optional.of(Instant.parse("1969-07-20T20:17:40Z")), occurredAt(v, "-14182940"));
    assertEquals(Optional.of(Instant.parse("0001-01-01T00:00:00Z")), occurredAt(v, "-62135596800"));
    assertEquals(Optional.of(Instant.parse("9999-12-31T23:59:59Z")), occurredAt(v, "253402300799"));
    assertEquals(Optional.of(Instant.EPOCH), occurredAt(v, "0"));
  }

  @Test
  void aTokenWithoutToeHasNoOccurredAt() throws Exception {
    assertEquals(
        Optional.empty(), verifier().verify(Map.of(), withToe("evt_none", null)).occurredAt());
  }
}
