package dev.hookline.set;

import static dev.hookline.set.Fixtures.ISSUER;
import static dev.hookline.set.Fixtures.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Event;
import dev.hookline.EventValidationException;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookFormat;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.receiver.set.SecurityEvent;
import dev.hookline.receiver.set.SecurityEventTokenVerifier;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.TestWebhooks;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Event data nested deeply: {@code Event.build()} and {@code publish} check the data's numbers
 * against Jackson's read limit, but not its nesting against Jackson's write and read limit (1,000
 * levels). Data 997 to 999 levels deep was accepted by {@code publish} (the Standard Webhooks body
 * nests it one level down) but a Security Event Token nests it three levels down, past the limit:
 * every attempt to a SET webhook failed as INTERNAL ("could not be written") until the delivery
 * failed. From 1,000 levels {@code publish} threw an {@code IllegalStateException} ("could not
 * serialise event"), which its javadoc gives for a closed dispatcher, instead of an {@link
 * EventValidationException} naming {@code data}. Whatever publish accepts, every built-in format
 * must be able to write and the receivers to read.
 */
class DeepEventDataTest {
  private static final String AUDIENCE = "urn:hookline:deep";
  private static final String API_KEY = "deep-data-api-key-0123456789";

  private static ObjectNode nested(int depth) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    ObjectNode at = root;
    for (int i = 1; i < depth; i++) {
      at = at.putObject("a");
    }
    at.put("leaf", 1);
    return root;
  }

  @ParameterizedTest(name = "data {0} levels deep")
  @ValueSource(ints = {899, 900, 901, 997, 998, 999, 1000, 1500})
  void whatPublishAcceptsEveryFormatWritesAndTheReceiverReads(int depth) {
    ManualClock clock = ManualClock.at(T0);
    InMemorySigningKeys keys = InMemorySigningKeys.of(Fixtures.RSA_1, clock, Duration.ofDays(1));
    SecurityEventTokenFormat format =
        SecurityEventTokenFormat.builder().issuer(ISSUER).signingKeys(keys).build();
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(new InMemoryStore())
            .clock(clock)
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    Webhook w =
        registry.create(
            WebhookDefinition.builder()
                .name("SET listener")
                .uri("http://127.0.0.1:9/hook")
                .apiKey(API_KEY)
                .events(UserEvents.CREATED)
                .format(WebhookFormat.SECURITY_EVENT_TOKEN)
                .audience(AUDIENCE)
                .build());
    TestWebhooks.markVerified(registry, w.id());
    registry.enable(w.id());
    boolean accepted;
    Event event = null;
    try (Dispatcher dispatcher =
        Dispatcher.builder().registry(registry).clock(clock).notificationFormat(format).build()) {
      try {
        event =
            Event.builder(UserEvents.CREATED)
                .id("evt_deep_" + depth)
                .occurredAt(T0)
                .subject(Subject.user("user-42"))
                .data(nested(depth))
                .build();
        assertEquals(1, dispatcher.publish(event).count());
        accepted = true;
      } catch (EventValidationException e) {
        assertTrue(e.hasViolation("data"), e.getMessage());
        accepted = false;
      }
    }
    if (!accepted || event == null) {
      return;
    }
    // Accepted: the SET format must write it (the dispatcher renders it so for every attempt),
    // and a default receiver must read it.
    String token = format.token(event, registry.require(w.id()), T0);
    SecurityEventTokenVerifier verifier =
        SecurityEventTokenVerifier.builder()
            .jwks(keys.jwks().json())
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .apiKey(API_KEY)
            .clock(clock)
            .build();
    SecurityEvent received =
        verifier.verify(
            Map.of("Authorization", List.of("Bearer " + API_KEY)),
            token.getBytes(StandardCharsets.US_ASCII));
    assertEquals(event.id(), received.eventId());
  }
}
