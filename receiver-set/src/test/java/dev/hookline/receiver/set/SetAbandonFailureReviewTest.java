package dev.hookline.receiver.set;

import static dev.hookline.receiver.set.Tokens.RSA;
import static dev.hookline.receiver.set.Tokens.bytes;
import static dev.hookline.receiver.set.Tokens.claims;
import static dev.hookline.receiver.set.Tokens.header;
import static dev.hookline.receiver.set.Tokens.sign;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSASigner;
import dev.hookline.receiver.ReplayGuard;
import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.testing.ManualClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Tenth review round: a signed token whose event is malformed is refused ({@code MALFORMED_BODY})
 * and its entry in the replay guard forgotten. When a shared guard could not forget it (its store
 * failed just then), the guard's exception replaced the refusal: the documented listener, which
 * catches {@code WebhookVerificationException}, let it out (a reset connection or a framework's 500
 * instead of 400 {@code invalid_request}), and the cause, the token, was lost. receiver-verify's
 * {@code WebhookVerifier} has kept the refusal since the seventh round (AbandonFailureReviewTest);
 * {@code SecurityEventTokenVerifier} now does the same: the refusal is thrown with the guard's
 * failure suppressed, and a WARN says the entry stays in progress until it expires.
 */
class SetAbandonFailureReviewTest {
  private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
  private final ManualClock clock = ManualClock.at(NOW);

  @Test
  void aGuardThatCannotForgetAMalformedEventDoesNotHideWhyItWasRefused() throws JOSEException {
    Map<String, Instant> entries = new ConcurrentHashMap<>();
    ReplayGuard failingAbandon =
        new ReplayGuard() {
          @Override
          public State begin(String id, Instant until) {
            return entries.putIfAbsent(id, until) == null ? State.NEW : State.IN_PROGRESS;
          }

          @Override
          public void complete(String id, Instant until) {
            entries.put(id, until);
          }

          @Override
          public void abandon(String id) {
            throw new IllegalStateException("store unreachable");
          }
        };
    SecurityEventTokenVerifier verifier =
        SecurityEventTokenVerifier.builder()
            .allowWithoutApiKey()
            .jwks(Tokens.jwks(RSA))
            .issuer(Tokens.ISSUER)
            .audience(Tokens.AUDIENCE)
            .clock(clock)
            .replayGuard(failingAbandon)
            .build();
    // two events: signed and fresh, so it reaches the guard, then refused for its events
    byte[] token =
        bytes(
            sign(
                header(JWSAlgorithm.RS256, RSA.getKeyID()).build(),
                claims("evt_two", NOW)
                    .claim(
                        "events",
                        Map.of(
                            "https://example.com/a", Map.of(), "https://example.com/b", Map.of()))
                    .build(),
                new RSASSASigner(RSA)));

    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream original = System.err;
    System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    WebhookVerificationException e;
    try {
      e = assertThrows(WebhookVerificationException.class, () -> verifier.verify(Map.of(), token));
    } finally {
      System.setErr(original);
    }
    assertEquals(Reason.MALFORMED_BODY, e.reason(), e.getMessage());
    assertEquals(400, SecurityEventTokenVerifier.httpStatus(e));
    assertEquals(1, e.getSuppressed().length, "the guard's failure is kept, suppressed");
    assertTrue(e.getSuppressed()[0].getMessage().contains("store unreachable"));
    String warning = log.toString(StandardCharsets.UTF_8);
    assertTrue(
        warning.contains("WARN") && warning.contains("in progress until"),
        "the entry left behind is logged: " + warning);
    assertEquals(1, entries.size(), "the entry stays until it expires");
  }
}
