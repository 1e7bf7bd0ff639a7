package dev.hookline.set;

import static dev.hookline.set.Fixtures.ISSUER;
import static dev.hookline.set.Fixtures.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.UserEvents;
import dev.hookline.VerificationResult;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookFormat;
import dev.hookline.WebhookRegistry;
import dev.hookline.WebhookStatus;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.receiver.set.SecurityEventTokenVerifier;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A SET webhook is created PENDING_VERIFICATION like any other and receives nothing until the
 * host's handshake ({@code GET} with {@code X-Verification-Key} and the API key) is answered. The
 * listener written as docs/receiving.md's "complete listener" for SETs (this package's {@link
 * Listener}) must therefore be verifiable.
 */
class SetHandshakeTest {
  private static final String API_KEY = "handshake-api-key-0123456789";
  private static final String AUDIENCE = "urn:hookline:handshake";

  @Test
  void aSetWebhookPointedAtTheDocumentedListenerCanBeVerified() {
    ManualClock clock = ManualClock.at(T0);
    InMemorySigningKeys keys = InMemorySigningKeys.of(Fixtures.EC_1, clock, Duration.ofDays(1));
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(new InMemoryStore())
            .clock(clock)
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    try (Listener listener = new Listener(() -> keys.jwks().json());
        Dispatcher dispatcher =
            Dispatcher.builder()
                .registry(registry)
                .notificationFormat(
                    SecurityEventTokenFormat.builder().issuer(ISSUER).signingKeys(keys).build())
                .build()) {
      listener.verifyWith(
          jwks ->
              SecurityEventTokenVerifier.builder()
                  .jwks(keys.jwks().json())
                  .issuer(ISSUER)
                  .audience(AUDIENCE)
                  .apiKey(API_KEY)
                  .clock(clock)
                  .build());
      Webhook w =
          registry.create(
              WebhookDefinition.builder()
                  .name("SET listener")
                  .uri(listener.hook())
                  .apiKey(API_KEY)
                  .events(UserEvents.CREATED)
                  .format(WebhookFormat.SECURITY_EVENT_TOKEN)
                  .audience(AUDIENCE)
                  .build());
      assertEquals(WebhookStatus.PENDING_VERIFICATION, w.status());

      VerificationResult handshake = dispatcher.startVerification(w.id());

      assertTrue(
          handshake.verified(),
          "the SET listener cannot pass the handshake, so the webhook never receives anything: "
              + handshake.detail()
              + "; refused: "
              + listener.refused);
    }
  }
}
