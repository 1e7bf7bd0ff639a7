package dev.hookline.receiver.set;

import static dev.hookline.receiver.set.Tokens.RSA;
import static dev.hookline.receiver.set.Tokens.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Twentieth review round, as receiver-verify's InProgressReplayReviewTest. The sender's retry of a
 * token carries the same {@code jti} and a fresh {@code iat}; one that arrives while the first is
 * processed is answered {@code IN_PROGRESS} (409), and its own window ({@code iat} plus the
 * tolerance) ends later than the first token's, by up to twice the tolerance after it arrived. The
 * processed entry lived for the longer of the first token's window and {@code
 * rememberProcessedFor}: with a shorter {@code rememberProcessedFor} a copy of that retry, replayed
 * after the entry ended and within its window, was processed again.
 */
class SetInProgressReplayReviewTest {
  private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
  private final ManualClock clock = ManualClock.at(NOW);

  private static Reason refused(SecurityEventTokenVerifier v, byte[] token) {
    return assertThrows(WebhookVerificationException.class, () -> v.verify(Map.of(), token))
        .reason();
  }

  @Test
  void aRetryAnsweredInProgressCannotBeReplayedAfterAShortProcessedEntry() {
    SecurityEventTokenVerifier v =
        SecurityEventTokenVerifier.builder()
            .allowWithoutApiKey()
            .jwks(Tokens.jwks(RSA))
            .issuer(Tokens.ISSUER)
            .audience(Tokens.AUDIENCE)
            .clock(clock)
            .rememberProcessedFor(Duration.ofMinutes(1))
            .build();
    SecurityEvent first = v.verify(Map.of(), bytes(Tokens.rs256("evt_busy", NOW)));

    clock.advance(Duration.ofSeconds(30));
    byte[] retry = bytes(Tokens.rs256("evt_busy", clock.instant()));
    assertEquals(Reason.IN_PROGRESS, refused(v, retry));

    clock.advance(Duration.ofSeconds(10));
    v.complete(first);

    clock.set(NOW.plusSeconds(320)); // the first token's window has ended; the retry's has not
    assertEquals(
        Reason.ALREADY_PROCESSED,
        refused(v, retry),
        "a copy of the retry answered 409, replayed within its window, is not processed again");

    clock.set(NOW.plusSeconds(331)); // now the retry is stale
    assertEquals(Reason.TIMESTAMP_TOO_OLD, refused(v, retry));
  }
}
