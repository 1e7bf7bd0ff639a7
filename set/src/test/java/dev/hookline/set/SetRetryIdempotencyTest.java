package dev.hookline.set;

import static dev.hookline.set.Fixtures.ISSUER;
import static dev.hookline.set.Fixtures.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hookline.Event;
import dev.hookline.Webhook;
import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.receiver.set.SecurityEvent;
import dev.hookline.receiver.set.SecurityEventTokenVerifier;
import dev.hookline.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The sender signs each attempt anew (a fresh {@code iat}, the same {@code jti}); the listener must
 * answer a retry of a token being processed 409 and a retry of a processed one 202, RFC 8935's
 * success, so that the sender stops, and process a retry after a failure.
 */
class SetRetryIdempotencyTest {
  private static final String AUDIENCE = "urn:hookline:retry";

  @Test
  void retriesOfOneNotificationAreInProgressThenAcknowledgedWith202() {
    ManualClock clock = ManualClock.at(T0);
    InMemorySigningKeys keys = InMemorySigningKeys.of(Fixtures.RSA_1, clock, Duration.ofDays(1));
    SecurityEventTokenFormat format =
        SecurityEventTokenFormat.builder().issuer(ISSUER).signingKeys(keys).build();
    SecurityEventTokenVerifier verifier =
        SecurityEventTokenVerifier.builder()
            .allowWithoutApiKey()
            .jwks(keys.jwks().json())
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .clock(clock)
            .build();
    Event e = Fixtures.updated("evt_retry", T0);
    Webhook w = Fixtures.webhook("https://rp.example.com/hook", Optional.of(AUDIENCE));

    SecurityEvent first = verify(verifier, format.token(e, w, clock.instant()));

    clock.advance(Duration.ofSeconds(6)); // the attempt timed out; the retry, signed anew
    WebhookVerificationException busy =
        assertThrows(
            WebhookVerificationException.class,
            () -> verify(verifier, format.token(e, w, clock.instant())));
    assertEquals(Reason.IN_PROGRESS, busy.reason());
    assertEquals(409, SecurityEventTokenVerifier.httpStatus(busy));

    verifier.complete(first);
    clock.advance(Duration.ofSeconds(30));
    WebhookVerificationException done =
        assertThrows(
            WebhookVerificationException.class,
            () -> verify(verifier, format.token(e, w, clock.instant())));
    assertEquals(Reason.ALREADY_PROCESSED, done.reason());
    assertEquals(202, SecurityEventTokenVerifier.httpStatus(done));
    assertEquals("", SecurityEventTokenVerifier.errorBody(done));

    // Another event's notification is processed; after a failure, the retry is processed again.
    Event other = Fixtures.updated("evt_retry_2", clock.instant());
    SecurityEvent failed = verify(verifier, format.token(other, w, clock.instant()));
    verifier.release(failed);
    clock.advance(Duration.ofSeconds(3));
    assertEquals(
        "evt_retry_2", verify(verifier, format.token(other, w, clock.instant())).eventId());
  }

  private static SecurityEvent verify(SecurityEventTokenVerifier v, String token) {
    return v.verify(Map.of(), token.getBytes(StandardCharsets.US_ASCII));
  }
}
