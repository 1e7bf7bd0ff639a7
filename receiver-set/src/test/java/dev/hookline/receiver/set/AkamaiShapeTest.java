package dev.hookline.receiver.set;

import static dev.hookline.receiver.set.Tokens.AUDIENCE;
import static dev.hookline.receiver.set.Tokens.ISSUER;
import static dev.hookline.receiver.set.Tokens.RSA;
import static dev.hookline.receiver.set.Tokens.bearer;
import static dev.hookline.receiver.set.Tokens.bytes;
import static dev.hookline.receiver.set.Tokens.header;
import static dev.hookline.receiver.set.Tokens.sign;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.hookline.receiver.Notification;
import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Tokens in the shape of Akamai Identity Cloud Webhooks v3 (as Akamai documents them, and as
 * Hookline's {@code SetClaims.AKAMAI_IDENTITY_CLOUD} writes them) pass the same checks and read as
 * Hookline's do; the replay guard keys on their {@code jti}, the notification.
 */
class AkamaiShapeTest {
  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
  private final ManualClock clock = ManualClock.at(NOW);
  private final SecurityEventTokenVerifier verifier =
      SecurityEventTokenVerifier.builder()
          .allowWithoutApiKey()
          .jwks(Tokens.jwks(RSA))
          .issuer(ISSUER)
          .audience(AUDIENCE)
          .clock(clock)
          .build();

  /** Claims as on Akamai's "Security Event Token Payloads" page, with our issuer and audience. */
  private static JWTClaimsSet.Builder akamaiClaims(
      String jti, Instant iat, String name, Map<String, Object> event) {
    return new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .issueTime(Date.from(iat))
        .jwtID(jti)
        .audience(List.of(AUDIENCE)) // Akamai's test notification has aud as an array
        .claim("txn", "00000000-0000-0000-0000-000000000000")
        .claim("toe", iat.minusSeconds(2).getEpochSecond())
        .claim("events", Map.of(name, event));
  }

  private static Map<String, Object> entityUpdated(String eventId) {
    Map<String, Object> event = new LinkedHashMap<>();
    event.put("attributes", List.of("email"));
    event.put("captureApplicationId", "app-7");
    event.put("captureClientId", "client-1");
    event.put("entityType", "user");
    event.put("globalSub", "capture-v1://capture.example/app-7/user/user-42");
    event.put("sub", "user-42");
    event.put("id", eventId);
    return event;
  }

  private static String token(JWTClaimsSet claims) {
    try {
      return sign(
          header(JWSAlgorithm.RS256, RSA.getKeyID()).build(), claims, new RSASSASigner(RSA));
    } catch (JOSEException e) {
      throw new AssertionError(e);
    }
  }

  private static String updated(String jti, String eventId, Instant iat) {
    return token(akamaiClaims(jti, iat, "entityUpdated", entityUpdated(eventId)).build());
  }

  private Reason refused(String token) {
    return assertThrows(
            WebhookVerificationException.class, () -> verifier.verify(bearer(), bytes(token)))
        .reason();
  }

  @Test
  void anAkamaiEntityUpdatedReadsAsAHooklineUserUpdated() {
    SecurityEvent e = verifier.verify(bearer(), bytes(updated("ntf-1", "evt-1", NOW)));
    assertEquals("ntf-1", e.jti());
    assertEquals("evt-1", e.eventId());
    assertEquals("user.updated", e.type());
    assertEquals("entityUpdated", e.typeUri());
    assertEquals(
        Optional.of(new Notification.Subject("user-42", Optional.of("app-7"), Optional.empty())),
        e.subject());
    assertEquals(List.of("email"), e.changed());
    assertEquals(List.of(AUDIENCE), e.audience());
    assertEquals(Optional.of(NOW.minusSeconds(2)), e.occurredAt());
    assertEquals(
        "capture-v1://capture.example/app-7/user/user-42", e.data().get("globalSub").asText());
  }

  @Test
  void akamaisOtherNamesAndHooklinesUriKeysAreGivenSensibly() {
    assertEquals(
        "webhook.test",
        verifier
            .verify(
                bearer(),
                bytes(token(akamaiClaims("ntf-t", NOW, "test", Map.of("id", "evt-t")).build())))
            .type());
    Map<String, Object> credential = new LinkedHashMap<>(entityUpdated("evt-c"));
    credential.remove("attributes");
    credential.put("credentialType", "password");
    SecurityEvent c =
        verifier.verify(
            bearer(),
            bytes(token(akamaiClaims("ntf-c", NOW, "userCredentialUpdated", credential).build())));
    assertEquals("userCredentialUpdated", c.type(), "a name Hookline has none for, as sent");
    assertEquals(List.of(), c.changed());
    assertEquals("password", c.data().get("credentialType").asText());
    SecurityEvent login =
        verifier.verify(
            bearer(),
            bytes(
                token(
                    akamaiClaims(
                            "ntf-l",
                            NOW,
                            Tokens.PREFIX + "user.logged_in",
                            Map.of("entityType", "user", "sub", "user-42", "id", "evt-l"))
                        .build())));
    assertEquals("user.logged_in", login.type());
    assertEquals("evt-l", login.eventId());
    assertEquals("user-42", login.subject().orElseThrow().userId());
  }

  @Test
  void theReplayGuardKeysOnTheNotificationsJti() {
    String token = updated("ntf-r", "evt-r", NOW);
    SecurityEvent first = verifier.verify(bearer(), bytes(token));
    assertEquals(Reason.IN_PROGRESS, refused(token));
    verifier.complete(first);
    assertEquals(Reason.ALREADY_PROCESSED, refused(token));
    clock.advance(Duration.ofMinutes(1));
    assertEquals(
        Reason.ALREADY_PROCESSED,
        refused(updated("ntf-r", "evt-r", clock.instant())),
        "a retry: new iat, same jti");
    assertEquals(
        "evt-r",
        verifier.verify(bearer(), bytes(updated("ntf-r2", "evt-r", clock.instant()))).eventId(),
        "another notification of the same event is its own");
  }

  @Test
  void theChecksBeforeTheEventApplyAndAMalformedEventFreesItsJti() {
    String wrongAudience =
        token(
            akamaiClaims("ntf-a", NOW, "entityUpdated", entityUpdated("evt-a"))
                .audience("https://someone-else.example")
                .build());
    assertEquals(Reason.WRONG_AUDIENCE, refused(wrongAudience));
    Map<String, Object> badId = new LinkedHashMap<>(entityUpdated("x"));
    badId.put("id", 42);
    assertEquals(
        Reason.MALFORMED_BODY,
        refused(token(akamaiClaims("ntf-m", NOW, "entityUpdated", badId).build())));
    Map<String, Object> badAttributes = new LinkedHashMap<>(entityUpdated("evt-m"));
    badAttributes.put("attributes", "email");
    assertEquals(
        Reason.MALFORMED_BODY,
        refused(token(akamaiClaims("ntf-m", NOW, "entityUpdated", badAttributes).build())));
    assertEquals("ntf-m", verifier.verify(bearer(), bytes(updated("ntf-m", "evt-m", NOW))).jti());
  }

  @Test
  void inHooklinesShapeTheEventIdIsTheTxnOrWithoutOneTheJti() {
    SecurityEvent old = verifier.verify(bearer(), bytes(Tokens.rs256("evt_h", NOW)));
    assertEquals("evt_h", old.eventId(), "a token without txn");
    assertEquals("user.updated", old.type());

    SecurityEvent withTxn =
        verifier.verify(
            bearer(), bytes(token(Tokens.claims("ntf-h1", NOW).claim("txn", "evt_h2").build())));
    assertEquals("ntf-h1", withTxn.jti());
    assertEquals("evt_h2", withTxn.eventId());
    assertEquals(
        Reason.MALFORMED_BODY,
        refused(token(Tokens.claims("ntf-h3", NOW).claim("txn", 42).build())));
    assertEquals(
        Reason.MALFORMED_BODY,
        refused(token(Tokens.claims("ntf-h4", NOW).claim("txn", "").build())));
  }
}
