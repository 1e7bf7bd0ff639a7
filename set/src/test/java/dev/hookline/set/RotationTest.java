package dev.hookline.set;

import static dev.hookline.set.Fixtures.ISSUER;
import static dev.hookline.set.Fixtures.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hookline.Webhook;
import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.receiver.set.SecurityEventTokenVerifier;
import dev.hookline.testing.ManualClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Rotation: the new key signs at once; during the overlap receivers holding the old JWKS (they
 * fetch again for the new kid) and receivers with the new JWKS both accept; after it the old kid is
 * gone from the JWKS and its tokens are refused.
 */
class RotationTest {
  private static final String AUD = "https://rp.example/hook";
  private final ManualClock clock = ManualClock.at(T0);
  private final InMemorySigningKeys keys =
      InMemorySigningKeys.of(Fixtures.RSA_1, clock, Duration.ofHours(1));
  private final SecurityEventTokenFormat format =
      SecurityEventTokenFormat.builder().issuer(ISSUER).signingKeys(keys).build();
  private final Webhook webhook = Fixtures.webhook(AUD, Optional.empty());

  private String token(String jti) {
    return format.token(Fixtures.updated(jti, clock.instant()), webhook, clock.instant());
  }

  private SecurityEventTokenVerifier.Builder verifier() {
    return SecurityEventTokenVerifier.builder().issuer(ISSUER).audience(AUD).clock(clock);
  }

  private static String kid(SecurityEventTokenVerifier v, String token) {
    return v.verify(Map.of(), token.getBytes(StandardCharsets.US_ASCII)).keyId();
  }

  @Test
  void oldAndNewJwksBothAcceptDuringTheOverlapAndTheOldKidIsGoneAfter() {
    try (Listener host = new Listener(() -> keys.jwks().json())) {
      URI jwksUri = host.jwksUri();
      SecurityEventTokenVerifier holdsOld =
          verifier()
              .jwksUri(jwksUri, HttpClient.newHttpClient())
              .allowInsecureLoopbackJwksForDevelopment(true)
              .build();
      String beforeRotation = token("evt_before");
      assertEquals("rsa-1", kid(holdsOld, beforeRotation)); // caches the old JWKS
      SecurityEventTokenVerifier staticOld = verifier().jwks(keys.jwks().json()).build();

      clock.advance(Duration.ofMinutes(1));
      keys.rotate(Fixtures.RSA_2);
      assertEquals(List.of("rsa-2", "rsa-1"), keys.jwks().keyIds());
      String afterRotation = token("evt_after");

      // a receiver that cached the old JWKS fetches again for the new kid and accepts
      assertEquals("rsa-2", kid(holdsOld, afterRotation));
      // one with the new JWKS accepts both the new key's tokens and the old key's in flight
      SecurityEventTokenVerifier holdsNew = verifier().jwks(keys.jwks().json()).build();
      assertEquals("rsa-2", kid(holdsNew, afterRotation));
      assertEquals("rsa-1", kid(holdsNew, beforeRotation));
      // a receiver pinned to the old key set alone still accepts what the old key signed
      assertEquals("rsa-1", kid(staticOld, beforeRotation));

      clock.advance(Duration.ofHours(1));
      assertEquals(List.of("rsa-2"), keys.jwks().keyIds(), "the overlap is over");
      SecurityEventTokenVerifier after = verifier().jwks(keys.jwks().json()).build();
      assertEquals("rsa-2", kid(after, token("evt_later")));
      String oldKeyToken =
          SecurityEventTokenFormat.builder()
              .issuer(ISSUER)
              .signingKeys(InMemorySigningKeys.of(Fixtures.RSA_1, clock, Duration.ZERO))
              .build()
              .token(Fixtures.updated("evt_old_key", clock.instant()), webhook, clock.instant());
      WebhookVerificationException gone =
          assertThrows(WebhookVerificationException.class, () -> kid(after, oldKeyToken));
      assertEquals(Reason.UNKNOWN_KEY, gone.reason());
    }
  }

  @Test
  void aKeyIdCannotBePublishedTwice() {
    keys.rotate(Fixtures.RSA_2);
    assertThrows(IllegalArgumentException.class, () -> keys.rotate(Fixtures.RSA_1));
    assertEquals(Fixtures.RSA_2, keys.signingKey(clock.instant()));
  }
}
