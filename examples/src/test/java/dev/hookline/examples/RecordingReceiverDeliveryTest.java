package dev.hookline.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.filter.Filters;
import dev.hookline.receiver.Notification;
import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.WebhookVerifier;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.Poll;
import dev.hookline.testing.RecordedRequest;
import dev.hookline.testing.RecordingReceiver;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A real dispatcher delivering to a {@link RecordingReceiver}: the receiver answers the
 * dispatcher's verification handshake, and the notification it records verifies with the
 * listener-side {@link WebhookVerifier}, so the recorded headers and body are exactly what was
 * signed and sent.
 */
class RecordingReceiverDeliveryTest {
  private static final String API_KEY = "recording-receiver-api-key-0123456789";
  private static final Duration LIMIT = Duration.ofSeconds(20);

  private final ManualClock clock = ManualClock.at(Instant.parse("2026-11-22T10:00:00Z"));

  @Test
  void aRecordedNotificationVerifiesWithTheWebhooksApiKeyAndSigningSecret() throws Exception {
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(new InMemoryStore())
            .clock(clock)
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    try (RecordingReceiver receiver =
            RecordingReceiver.builder().apiKey(API_KEY).clock(clock).start();
        Dispatcher dispatcher =
            Dispatcher.builder()
                .registry(registry)
                .clock(clock)
                .pollInterval(Duration.ofMillis(20))
                .shutdownTimeout(Duration.ofSeconds(2))
                .build()
                .start()) {
      Webhook hook =
          registry.create(
              WebhookDefinition.builder()
                  .name("recorded listener")
                  .uri(receiver.url("/hooks"))
                  .apiKey(API_KEY)
                  .events(UserEvents.CREATED)
                  .build());

      assertTrue(dispatcher.startVerification(hook.id()).verified(), "handshake");
      RecordedRequest handshake = receiver.awaitRequests(1, LIMIT).get(0);
      assertEquals("GET", handshake.method());
      assertTrue(handshake.header("X-Verification-Key").isPresent());
      assertEquals(Optional.of("Bearer " + API_KEY), handshake.header("authorization"));

      registry.enable(hook.id());
      String eventId = "evt_recorded_1";
      assertEquals(
          1,
          dispatcher
              .publish(
                  Event.builder(UserEvents.CREATED)
                      .id(eventId)
                      .user("usr_42")
                      .occurredAt(clock.instant())
                      .data(JsonNodeFactory.instance.objectNode().put("email", "ada@example.com"))
                      .build())
              .count());

      RecordedRequest delivery = receiver.awaitRequests(2, LIMIT).get(1);
      assertEquals("POST", delivery.method());
      assertEquals("/hooks", delivery.target());
      assertEquals(Optional.of(eventId), delivery.header("webhook-id"));

      WebhookVerifier verifier =
          WebhookVerifier.builder()
              .apiKey(API_KEY)
              .signingSecret(hook.signingSecrets().get(0).secret().reveal())
              .clock(clock)
              .build();
      Notification n = verifier.verify(delivery.headers(), delivery.body());
      assertEquals(eventId, n.id());
      assertEquals("user.created", n.type());
      assertEquals("ada@example.com", n.data().get("email").asText());

      // The signature covers every byte: one changed byte of the recorded body fails it.
      byte[] tampered = delivery.body();
      tampered[tampered.length - 1] ^= 1;
      WebhookVerifier fresh =
          WebhookVerifier.builder()
              .apiKey(API_KEY)
              .signingSecret(hook.signingSecrets().get(0).secret().reveal())
              .clock(clock)
              .build();
      assertThrows(
          WebhookVerificationException.class, () -> fresh.verify(delivery.headers(), tampered));

      Poll.until(
          LIMIT,
          () -> dispatcher.summary(hook.id()).succeeded() == 1,
          "the 204 is recorded as a success");
    }
  }
}
