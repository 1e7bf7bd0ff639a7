package dev.hookline.set;

import static dev.hookline.set.Fixtures.ISSUER;
import static dev.hookline.set.Fixtures.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Event;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookFormat;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.filter.Filters;
import dev.hookline.receiver.set.SecurityEvent;
import dev.hookline.receiver.set.SecurityEventTokenVerifier;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.TestWebhooks;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The defaults on both sides fit together: an event the dispatcher accepts at its default {@code
 * maxPayloadBytes} reaches a SET receiver built with its default {@code maxBodyBytes}. A token
 * carries the claims in base64url plus a header and a signature, about a third more than the JSON
 * body the dispatcher measures.
 */
class DefaultBodyLimitsTest {
  private static final String AUDIENCE = "urn:hookline:limits";

  @Test
  void anEventTheDispatcherAcceptsAtItsDefaultLimitVerifiesAtTheReceiversDefaultLimit() {
    ManualClock clock = ManualClock.at(T0);
    InMemorySigningKeys keys = InMemorySigningKeys.of(Fixtures.RSA_1, clock, Duration.ofDays(1));
    SecurityEventTokenFormat format =
        SecurityEventTokenFormat.builder().issuer(ISSUER).signingKeys(keys).build();
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(new InMemoryStore())
            .clock(clock)
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    Webhook w =
        registry.create(
            WebhookDefinition.builder()
                .name("SET listener")
                .uri("http://127.0.0.1:9/hook")
                .apiKey("limits-api-key-0123456789")
                .events(UserEvents.CREATED)
                .format(WebhookFormat.SECURITY_EVENT_TOKEN)
                .audience(AUDIENCE)
                .build());
    TestWebhooks.markVerified(registry, w.id());
    registry.enable(w.id());
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("note", "x".repeat(240 * 1024)); // the JSON body stays under 256 KiB
    Event event =
        Event.builder(UserEvents.CREATED)
            .id("evt_limits")
            .occurredAt(T0)
            .subject(new Subject("user-42", Optional.empty(), Optional.empty()))
            .data(data)
            .build();

    // Built, not started: publish only checks the size and enqueues; nothing is sent.
    try (Dispatcher dispatcher =
        Dispatcher.builder().registry(registry).clock(clock).notificationFormat(format).build()) {
      assertEquals(1, dispatcher.publish(event).deliveries().size(), "the sender accepts it");
    }

    String token = format.token(event, registry.require(w.id()), T0);
    SecurityEventTokenVerifier verifier =
        SecurityEventTokenVerifier.builder()
            .jwks(keys.jwks().json())
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .apiKey("limits-api-key-0123456789")
            .clock(clock)
            .build();
    // About 328 KB: with the receiver's default at 256 KiB this was BODY_TOO_LARGE (413 on every
    // attempt, until the delivery failed).
    SecurityEvent received =
        verifier.verify(
            Map.of("Authorization", List.of("Bearer limits-api-key-0123456789")),
            token.getBytes(StandardCharsets.US_ASCII));
    assertEquals("evt_limits", received.eventId());
  }
}
