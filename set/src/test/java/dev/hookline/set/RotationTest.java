package dev.hookline.set;

import static dev.hookline.set.Fixtures.ISSUER;
import static dev.hookline.set.Fixtures.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * Rotation: published first (publishNext), the next key is in every receiver's key set before it
 * signs; rotated at once, it is refused by fixed key sets and, until they fetch again, by fetching
 * receivers. During the overlap receivers holding the old JWKS (they fetch again for the new kid)
 * and receivers with the new JWKS both accept; after it the old kid is gone from the JWKS and its
 * tokens are refused.
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
    return SecurityEventTokenVerifier.builder()
        .allowWithoutApiKey()
        .issuer(ISSUER)
        .audience(AUD)
        .clock(clock);
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
  void aKeyPublishedBeforeItSignsIsAcceptedAtOnceByFixedAndByFetchingReceivers() {
    try (Listener host = new Listener(() -> keys.jwks().json())) {
      keys.publishNext(Fixtures.RSA_2);
      assertEquals(List.of("rsa-1", "rsa-2"), keys.jwks().keyIds());
      assertEquals(Fixtures.RSA_1, keys.signingKey(clock.instant()), "published, not signing");

      SecurityEventTokenVerifier fetching =
          verifier()
              .jwksUri(host.jwksUri(), HttpClient.newHttpClient())
              .allowInsecureLoopbackJwksForDevelopment(true)
              .build();
      assertEquals("rsa-1", kid(fetching, token("evt_before"))); // fetches and caches the set
      SecurityEventTokenVerifier fixed = verifier().jwks(keys.jwks().json()).build();

      clock.advance(Duration.ofSeconds(1)); // well within the 30 s between fetches for a new kid
      keys.rotate(Fixtures.RSA_2);
      assertEquals(List.of("rsa-2", "rsa-1"), keys.jwks().keyIds());
      String afterRotation = token("evt_after");
      assertEquals("rsa-2", kid(fixed, afterRotation));
      assertEquals("rsa-2", kid(fetching, afterRotation), "from the cached set: no fetch needed");
    }
  }

  @Test
  void aKeyRotatedAtOnceIsRefusedByAFixedKeySetAndUntilAFetchingReceiverFetchesAgain() {
    try (Listener host = new Listener(() -> keys.jwks().json())) {
      SecurityEventTokenVerifier fetching =
          verifier()
              .jwksUri(host.jwksUri(), HttpClient.newHttpClient())
              .allowInsecureLoopbackJwksForDevelopment(true)
              .build();
      assertEquals("rsa-1", kid(fetching, token("evt_before")));
      SecurityEventTokenVerifier fixed = verifier().jwks(keys.jwks().json()).build();

      clock.advance(Duration.ofSeconds(1));
      keys.rotate(Fixtures.RSA_2);
      String afterRotation = token("evt_after");
      assertEquals(Reason.UNKNOWN_KEY, refusal(fixed, afterRotation));
      assertEquals(
          Reason.UNKNOWN_KEY,
          refusal(fetching, afterRotation),
          "fetched 1 s ago: the next fetch for an unknown kid is 30 s after the last");
      clock.advance(Duration.ofSeconds(29));
      assertEquals("rsa-2", kid(fetching, afterRotation), "the sender's retry, after a fetch");
      assertEquals(Reason.UNKNOWN_KEY, refusal(fixed, token("evt_later")), "until given the set");
    }
  }

  private static Reason refusal(SecurityEventTokenVerifier v, String token) {
    return assertThrows(WebhookVerificationException.class, () -> kid(v, token)).reason();
  }

  @Test
  void aKeyIdCannotBePublishedTwice() {
    keys.rotate(Fixtures.RSA_2);
    assertThrows(IllegalArgumentException.class, () -> keys.rotate(Fixtures.RSA_1));
    assertThrows(IllegalArgumentException.class, () -> keys.publishNext(Fixtures.RSA_1));
    assertThrows(IllegalArgumentException.class, () -> keys.publishNext(Fixtures.RSA_2));
    assertEquals(Fixtures.RSA_2, keys.signingKey(clock.instant()));
  }

  /**
   * Review r150: the README promised that a key id is never published twice, but once a retired
   * key's overlap ended its id could name another key, which receivers still holding the old key
   * under that id (a fixed key set, a cached JWKS) refuse as a bad signature.
   */
  @Test
  void aKeyIdNamesOneKeyForGoodEvenAfterItsOverlapEnded() {
    keys.rotate(Fixtures.RSA_2);
    clock.advance(Duration.ofHours(2)); // rsa-1's overlap is over: no longer published
    assertEquals(List.of("rsa-2"), keys.jwks().keyIds());
    SigningKey reused = SigningKey.generate("rsa-1", SigningAlgorithm.RS256, Fixtures.RANDOM);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> keys.rotate(reused));
    assertTrue(e.getMessage().contains("was published before for another key"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> keys.publishNext(reused));
    assertEquals(Fixtures.RSA_2, keys.signingKey(clock.instant()));

    keys.rotate(Fixtures.RSA_1); // the same key under its own id again: receivers may hold it
    assertEquals(Fixtures.RSA_1, keys.signingKey(clock.instant()));
  }

  @Test
  void oneNextKeyAtATimeAndOnlyItCanBeRotatedTo() {
    keys.publishNext(Fixtures.RSA_2);
    assertThrows(IllegalStateException.class, () -> keys.publishNext(Fixtures.EC_1));
    assertThrows(IllegalStateException.class, () -> keys.rotate(Fixtures.EC_1));
    SigningKey sameIdOtherKey =
        SigningKey.of(
            "rsa-2",
            SigningAlgorithm.RS256,
            Fixtures.RSA_1.privateKey(),
            Fixtures.RSA_1.publicKey());
    assertThrows(IllegalArgumentException.class, () -> keys.rotate(sameIdOtherKey));
    assertEquals(Fixtures.RSA_1, keys.signingKey(clock.instant()));
    assertTrue(keys.toString().contains("next=rsa-2"), keys.toString());

    keys.rotate(Fixtures.RSA_2);
    assertEquals(Fixtures.RSA_2, keys.signingKey(clock.instant()));
    keys.publishNext(Fixtures.EC_1); // the next rotation may start
    assertEquals(List.of("rsa-2", "ec-1", "rsa-1"), keys.jwks().keyIds());
  }
}
