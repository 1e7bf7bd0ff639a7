package dev.hookline.receiver.set;

import static dev.hookline.receiver.set.Tokens.ISSUER;
import static dev.hookline.receiver.set.Tokens.RSA;
import static dev.hookline.receiver.set.Tokens.bytes;
import static dev.hookline.receiver.set.Tokens.claims;
import static dev.hookline.receiver.set.Tokens.header;
import static dev.hookline.receiver.set.Tokens.sign;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSASigner;
import dev.hookline.receiver.ReplayGuard;
import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The replay guard keys on (iss, aud, jti): RFC 7519 makes a jti unique per issuer only, and a
 * sender may send one jti to two audiences (two webhooks of one listener), so each audience's token
 * is processed once, and only a token for the same audience again is a replay.
 */
class ReplayScopeTest {
  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
  private static final String A = "https://rp.example/hook-a";
  private static final String B = "https://rp.example/hook-b";
  private final ManualClock clock = ManualClock.at(NOW);

  private SecurityEventTokenVerifier.Builder builder() {
    return SecurityEventTokenVerifier.builder()
        .allowWithoutApiKey()
        .jwks(Tokens.jwks(RSA))
        .clock(clock);
  }

  private static byte[] token(String issuer, String audience, String jti, Instant iat) {
    try {
      return bytes(
          sign(
              header(JWSAlgorithm.RS256, RSA.getKeyID()).build(),
              claims(jti, iat).issuer(issuer).audience(audience).build(),
              new RSASSASigner(RSA)));
    } catch (com.nimbusds.jose.JOSEException e) {
      throw new AssertionError(e);
    }
  }

  private static Reason refused(SecurityEventTokenVerifier v, byte[] token) {
    return assertThrows(WebhookVerificationException.class, () -> v.verify(Map.of(), token))
        .reason();
  }

  @Test
  void oneJtiForTwoAudiencesIsProcessedForEachAndReplayedForNeither() {
    SecurityEventTokenVerifier both = builder().issuer(ISSUER).audience(A).audience(B).build();

    SecurityEvent forA = both.verify(Map.of(), token(ISSUER, A, "evt_1", NOW));
    assertEquals(List.of(A), forA.audience());
    SecurityEvent forB = both.verify(Map.of(), token(ISSUER, B, "evt_1", NOW));
    assertEquals(List.of(B), forB.audience(), "another webhook's notification of the same jti");

    assertEquals(Reason.IN_PROGRESS, refused(both, token(ISSUER, A, "evt_1", NOW)));
    both.complete(forA);
    both.release(forB);
    clock.advance(Duration.ofMinutes(1));
    assertEquals(
        Reason.ALREADY_PROCESSED,
        refused(both, token(ISSUER, A, "evt_1", clock.instant())),
        "the same (aud, jti) again, as a sender's retry: acknowledged");
    assertEquals(
        "evt_1",
        both.verify(Map.of(), token(ISSUER, B, "evt_1", clock.instant())).jti(),
        "B's was released: its retry is processed, whatever A's state");
  }

  /**
   * A token that arrives late in its window (a listener clock ahead of the sender's) stays in
   * progress while the application works on it: guarded only until its iat plus the tolerance, its
   * retry 15 seconds later was processed a second time beside it.
   */
  @Test
  void aRetryWhileALateArrivingTokenIsStillBeingProcessedIsInProgress() {
    SecurityEventTokenVerifier v = builder().issuer(ISSUER).audience(A).build();
    Duration tolerance = SecurityEventTokenVerifier.DEFAULT_TOLERANCE;
    SecurityEvent late =
        v.verify(Map.of(), token(ISSUER, A, "evt_late", NOW.minus(tolerance).plusSeconds(10)));
    assertEquals("evt_late", late.jti());
    clock.advance(Duration.ofSeconds(15));
    assertEquals(Reason.IN_PROGRESS, refused(v, token(ISSUER, A, "evt_late", clock.instant())));
  }

  /**
   * A run that outlived its in-progress entry may fail after the sender's retry began anew; its
   * release must not remove the retry's entry, or a third delivery runs beside the retry.
   */
  @Test
  void aRunThatOutlivedItsEntryDoesNotReleaseTheEntryOfTheRetryBehindIt() {
    SecurityEventTokenVerifier v = builder().issuer(ISSUER).audience(A).build();
    SecurityEvent slow = v.verify(Map.of(), token(ISSUER, A, "evt_slow", NOW));
    clock.advance(
        SecurityEventTokenVerifier.DEFAULT_TOLERANCE.plusSeconds(2)); // outlives its entry
    SecurityEvent retry = v.verify(Map.of(), token(ISSUER, A, "evt_slow", clock.instant()));
    v.release(slow); // and fails at last
    clock.advance(Duration.ofSeconds(5));
    assertEquals(
        Reason.IN_PROGRESS,
        refused(v, token(ISSUER, A, "evt_slow", clock.instant())),
        "the retry is still being processed");
    v.release(retry); // the retry's own release still frees the token
    assertEquals(
        "evt_slow", v.verify(Map.of(), token(ISSUER, A, "evt_slow", clock.instant())).jti());
  }

  @Test
  void verifiersSharingAGuardKeepTheirIssuersAndAudiencesApart() {
    ReplayGuard shared = ReplayGuard.inMemory(clock, 1000);
    SecurityEventTokenVerifier serviceA =
        builder().issuer(ISSUER).audience(A).replayGuard(shared).build();
    SecurityEventTokenVerifier serviceB =
        builder().issuer(ISSUER).audience(B).replayGuard(shared).build();
    SecurityEventTokenVerifier otherIssuer =
        builder().issuer("https://other.example").audience(A).replayGuard(shared).build();

    serviceA.complete(serviceA.verify(Map.of(), token(ISSUER, A, "evt_2", NOW)));
    serviceB.complete(serviceB.verify(Map.of(), token(ISSUER, B, "evt_2", NOW)));
    otherIssuer.complete(
        otherIssuer.verify(Map.of(), token("https://other.example", A, "evt_2", NOW)));

    assertEquals(Reason.ALREADY_PROCESSED, refused(serviceA, token(ISSUER, A, "evt_2", NOW)));
    assertEquals(Reason.ALREADY_PROCESSED, refused(serviceB, token(ISSUER, B, "evt_2", NOW)));
  }
}
