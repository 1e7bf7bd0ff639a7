package dev.hookline.receiver.set;

import static dev.hookline.receiver.set.Tokens.API_KEY;
import static dev.hookline.receiver.set.Tokens.AUDIENCE;
import static dev.hookline.receiver.set.Tokens.ISSUER;
import static dev.hookline.receiver.set.Tokens.RSA;
import static dev.hookline.receiver.set.Tokens.RSA_OTHER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.receiver.ReplayGuard;
import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.testing.ManualClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * docs/receiving.md, SET key rotation: a {@code SecurityEventTokenVerifier} rebuilt and swapped in
 * (the new key set, a second API key) without the old one's replay guard makes a guard of its own,
 * so the sender's retry of an event the old verifier processed a moment before is processed again.
 * Passing the same guard, as the docs now show, has the retry acknowledged. receiver-verify's
 * {@code RotationSwapReviewTest} shows the same for {@code WebhookVerifier}.
 */
class SetRotationSwapReviewTest {
  private final ManualClock clock = ManualClock.at(Instant.parse("2026-11-22T10:00:00Z"));

  private SecurityEventTokenVerifier verifier(String jwks, @Nullable ReplayGuard guard) {
    SecurityEventTokenVerifier.Builder b =
        SecurityEventTokenVerifier.builder()
            .jwks(jwks)
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .apiKey(API_KEY)
            .clock(clock);
    if (guard != null) {
      b.replayGuard(guard);
    }
    return b.build();
  }

  private SecurityEventTokenVerifier rotated(@Nullable ReplayGuard guard) {
    SecurityEventTokenVerifier.Builder b =
        SecurityEventTokenVerifier.builder()
            .jwks(Tokens.jwks(RSA, RSA_OTHER)) // the new set, holding both keys
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .apiKey(API_KEY)
            .apiKey("hk_the-next-api-key-0123456789") // during an API key rotation
            .clock(clock);
    if (guard != null) {
      b.replayGuard(guard);
    }
    return b.build();
  }

  @Test
  void aVerifierSwappedInWithoutTheOldGuardProcessesARetryAgain() {
    SecurityEventTokenVerifier before = verifier(Tokens.jwks(RSA), null);
    byte[] token = Tokens.bytes(Tokens.rs256("evt_rot", clock.instant()));
    before.complete(before.verify(Tokens.bearer(), token));

    SecurityEventTokenVerifier after = rotated(null);
    clock.advance(Duration.ofSeconds(3)); // the sender's first retry
    assertEquals("evt_rot", after.verify(Tokens.bearer(), token).jti(), "processed a second time");
  }

  @Test
  void aVerifierSwappedInWithTheSameGuardAcknowledgesTheRetry() {
    ReplayGuard guard = ReplayGuard.inMemory(clock, 1000);
    SecurityEventTokenVerifier before = verifier(Tokens.jwks(RSA), guard);
    byte[] token = Tokens.bytes(Tokens.rs256("evt_rot", clock.instant()));
    before.complete(before.verify(Tokens.bearer(), token));

    SecurityEventTokenVerifier after = rotated(guard);
    clock.advance(Duration.ofSeconds(3));
    assertEquals(
        Reason.ALREADY_PROCESSED,
        assertThrows(WebhookVerificationException.class, () -> after.verify(Tokens.bearer(), token))
            .reason());
  }

  @Test
  void theDocumentedSetRotationPassesTheSameReplayGuard() throws IOException {
    String docs = Files.readString(Path.of("../docs/receiving.md"), StandardCharsets.UTF_8);
    int from = docs.indexOf("## Security Event Tokens (SET)");
    String section = docs.substring(from, docs.indexOf("\n## ", from + 3));
    int rebuilt = section.indexOf("A `SecurityEventTokenVerifier` is immutable too");
    assertTrue(rebuilt >= 0, section);
    int code = section.indexOf("```java", rebuilt);
    String snippet = section.substring(code, section.indexOf("```\n", code + 7));
    assertTrue(snippet.contains(".replayGuard(guard)"), snippet);
  }
}
