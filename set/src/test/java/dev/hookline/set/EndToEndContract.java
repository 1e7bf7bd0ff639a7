package dev.hookline.set;

import static dev.hookline.set.Fixtures.ISSUER;
import static dev.hookline.set.Fixtures.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.EventType;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookFormat;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.RetrySchedule;
import dev.hookline.filter.Filters;
import dev.hookline.receiver.Notification;
import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.set.SecurityEvent;
import dev.hookline.receiver.set.SecurityEventTokenVerifier;
import dev.hookline.spi.Store;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.TestWebhooks;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * End to end over loopback: a dispatcher with the SET format sends all 12 user events to a webhook
 * in that format, and a listener verifies each with the receiver's verifier against the JWKS it
 * fetches. Run on every Store.
 */
abstract class EndToEndContract {
  private static final String API_KEY = "e2e-api-key-0123456789";
  private static final String AUDIENCE = "urn:hookline:e2e";

  /** The store under test, empty. */
  protected abstract Store store();

  /** What the listener got from the dispatcher for the twelve user events. */
  private record Run(
      String webhookId,
      List<SecurityEvent> received,
      List<WebhookVerificationException> refused,
      List<String> contentTypes,
      List<Delivery> deliveries) {}

  /** Sends the twelve user events, in the given claims' shape, to a listener over loopback. */
  private Run sendAllTwelve(SetClaims shape) {
    ManualClock clock = ManualClock.at(T0);
    InMemorySigningKeys keys = InMemorySigningKeys.of(Fixtures.RSA_1, clock, Duration.ofDays(1));
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(store())
            .clock(clock)
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    try (Listener listener = new Listener(() -> keys.jwks().json());
        Dispatcher dispatcher =
            Dispatcher.builder()
                .registry(registry)
                .notificationFormat(
                    SecurityEventTokenFormat.builder()
                        .issuer(ISSUER)
                        .signingKeys(keys)
                        .claims(shape)
                        .build())
                .retrySchedule(
                    RetrySchedule.builder().attemptTimeout(Duration.ofSeconds(10)).build())
                .jitter(() -> 0.5)
                .build()) {
      listener.verifyWith(
          jwks ->
              SecurityEventTokenVerifier.builder()
                  .jwksUri(jwks, HttpClient.newHttpClient())
                  .allowInsecureLoopbackJwksForDevelopment(true)
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
                  .events(UserEvents.SUBSCRIBABLE)
                  .format(WebhookFormat.SECURITY_EVENT_TOKEN)
                  .audience(AUDIENCE)
                  .build());
      TestWebhooks.markVerified(registry, w.id());
      registry.enable(w.id());
      assertEquals(WebhookFormat.SECURITY_EVENT_TOKEN, registry.require(w.id()).format());

      List<EventType> types = UserEvents.SUBSCRIBABLE;
      assertEquals(12, types.size());
      for (EventType type : types) {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("email", "ada@example.com");
        Event.Builder e =
            Event.builder(type)
                .id("evt_e2e_" + type.wireName().replace('.', '_'))
                .occurredAt(clock.instant())
                .subject(new Subject("user-42", Optional.of("app-7"), Optional.empty()))
                .data(data);
        if (type.equals(UserEvents.UPDATED)) {
          e.changed("email");
        }
        assertEquals(List.of(w.id()), dispatcher.publish(e.build()).webhookIds());
      }
      assertEquals(12, dispatcher.runDueNow());
      List<Delivery> deliveries =
          dispatcher.deliveries(DeliveryQuery.builder().webhook(w.id()).build());
      assertEquals(12, deliveries.size());
      for (Delivery d : deliveries) {
        assertEquals(DeliveryState.SUCCEEDED, d.state(), d.toString());
        assertEquals(202, d.attempts().get(0).statusCode().getAsInt());
      }
      return new Run(
          w.id(),
          List.copyOf(listener.received),
          List.copyOf(listener.refused),
          List.copyOf(listener.contentTypes),
          deliveries);
    }
  }

  @Test
  void aSetWebhookReceivesAllTwelveUserEventsAndEachVerifies() {
    Run run = sendAllTwelve(SetClaims.HOOKLINE);

    assertEquals(List.of(), run.refused(), "every token verified");
    assertEquals(12, run.received().size());
    assertEquals(
        UserEvents.SUBSCRIBABLE.stream().map(EventType::wireName).collect(Collectors.toSet()),
        run.received().stream().map(SecurityEvent::type).collect(Collectors.toSet()));
    Set<String> jtis = new HashSet<>();
    for (SecurityEvent s : run.received()) {
      jtis.add(s.jti());
      assertEquals("evt_e2e_" + s.type().replace('.', '_'), s.eventId(), "the event id, from txn");
      assertEquals("user-42", s.subject().orElseThrow().userId());
      assertEquals(Optional.of("app-7"), s.subject().orElseThrow().appId());
      assertEquals("ada@example.com", s.data().get("email").asText());
      assertEquals(s.type().equals("user.updated") ? List.of("email") : List.of(), s.changed());
      assertEquals(List.of(AUDIENCE), s.audience());
    }
    assertEquals(12, jtis.size());
    assertFalse(jtis.contains("evt_e2e_user_updated"), "the jti names the notification");
    assertEquals(Set.of("application/secevent+jwt"), new HashSet<>(run.contentTypes()));
  }

  @Test
  void anAkamaiShapedSetWebhookReceivesAllTwelveUserEventsAndEachVerifies() {
    Run run = sendAllTwelve(SetClaims.AKAMAI_IDENTITY_CLOUD);

    assertEquals(List.of(), run.refused(), "every token verified");
    assertEquals(12, run.received().size());
    assertEquals(
        UserEvents.SUBSCRIBABLE.stream().map(EventType::wireName).collect(Collectors.toSet()),
        run.received().stream().map(SecurityEvent::type).collect(Collectors.toSet()),
        "Akamai's names read as Hookline's types");
    Set<String> jtis = new HashSet<>();
    for (SecurityEvent s : run.received()) {
      jtis.add(s.jti());
      assertEquals("evt_e2e_" + s.type().replace('.', '_'), s.eventId());
      assertEquals(
          Optional.of(new Notification.Subject("user-42", Optional.of("app-7"), Optional.empty())),
          s.subject());
      assertEquals(s.type().equals("user.updated") ? List.of("email") : List.of(), s.changed());
      assertFalse(s.data().has("email"), "no event data in Akamai's shape");
      assertEquals(List.of(AUDIENCE), s.audience());
    }
    assertEquals(
        Set.of("entityCreated", "entityUpdated", "entityDeleted"),
        run.received().stream()
            .map(SecurityEvent::typeUri)
            .filter(u -> !u.startsWith(SecurityEventTokenFormat.DEFAULT_EVENT_TYPE_PREFIX))
            .collect(Collectors.toSet()));
    assertEquals(12, jtis.size());
    assertFalse(jtis.contains("evt_e2e_user_updated"), "the jti names the notification");
    assertEquals(Set.of("application/secevent+jwt"), new HashSet<>(run.contentTypes()));
  }

  /**
   * Sends one user.created event, signed with EC_1 by issuer ISSUER, to a webhook with the given
   * audience whose listener verifies with the given issuer and key set, and returns its delivery.
   */
  private Delivery sendOneRefused(
      String eventId, String listenerIssuer, String listenerJwks, String webhookAudience) {
    ManualClock clock = ManualClock.at(T0);
    InMemorySigningKeys keys = InMemorySigningKeys.of(Fixtures.EC_1, clock, Duration.ofDays(1));
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(store())
            .clock(clock)
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    try (Listener listener = new Listener(() -> keys.jwks().json());
        Dispatcher dispatcher =
            Dispatcher.builder()
                .registry(registry)
                .notificationFormat(
                    SecurityEventTokenFormat.builder().issuer(ISSUER).signingKeys(keys).build())
                .jitter(() -> 0.5)
                .build()) {
      listener.verifyWith(
          jwks ->
              SecurityEventTokenVerifier.builder()
                  .allowWithoutApiKey()
                  .jwks(listenerJwks)
                  .issuer(listenerIssuer)
                  .audience(AUDIENCE)
                  .clock(clock)
                  .build());
      Webhook w =
          registry.create(
              WebhookDefinition.builder()
                  .name("SET listener that refuses")
                  .uri(listener.hook())
                  .apiKey(API_KEY)
                  .events(UserEvents.CREATED)
                  .format(WebhookFormat.SECURITY_EVENT_TOKEN)
                  .audience(webhookAudience)
                  .build());
      TestWebhooks.markVerified(registry, w.id());
      registry.enable(w.id());
      Event e =
          Event.builder(UserEvents.CREATED)
              .id(eventId)
              .occurredAt(clock.instant())
              .user("user-42")
              .data(JsonNodeFactory.instance.objectNode())
              .build();
      dispatcher.publish(e);
      assertEquals(1, dispatcher.runDueNow());
      assertEquals(List.of(), listener.received);
      return dispatcher.deliveries(DeliveryQuery.builder().event(e.id()).build()).get(0);
    }
  }

  private static String ownKeys() {
    return Jwks.of(List.of(Fixtures.EC_1)).json();
  }

  @Test
  void aListenersRfc8935ErrorIsRecordedWithItsCode() {
    Delivery wrongAudience =
        sendOneRefused("evt_e2e_wrong_aud", ISSUER, ownKeys(), "urn:someone-else");
    assertEquals(DeliveryState.RETRYING, wrongAudience.state());
    assertEquals(400, wrongAudience.attempts().get(0).statusCode().getAsInt());
    assertEquals("HTTP 400 err=invalid_audience", wrongAudience.attempts().get(0).detail());

    Delivery wrongIssuer =
        sendOneRefused("evt_e2e_wrong_iss", "https://another-sender.example", ownKeys(), AUDIENCE);
    assertEquals(DeliveryState.RETRYING, wrongIssuer.state());
    assertEquals("HTTP 400 err=invalid_issuer", wrongIssuer.attempts().get(0).detail());

    // a listener with a fixed key set that lacks the signing key, as after a rotation it missed
    Delivery unknownKey =
        sendOneRefused(
            "evt_e2e_unknown_kid", ISSUER, Jwks.of(List.of(Fixtures.RSA_2)).json(), AUDIENCE);
    assertEquals(DeliveryState.RETRYING, unknownKey.state());
    assertEquals("HTTP 400 err=invalid_key", unknownKey.attempts().get(0).detail());
  }
}
