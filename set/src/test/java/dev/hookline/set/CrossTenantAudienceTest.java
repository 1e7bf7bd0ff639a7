package dev.hookline.set;

import static dev.hookline.set.Fixtures.ISSUER;
import static dev.hookline.set.Fixtures.T0;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Event;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookFormat;
import dev.hookline.WebhookRegistry;
import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.set.SecurityEventTokenVerifier;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * On a multi-tenant host every tenant's SETs are signed by the host's one key under one {@code
 * iss}, and the {@code aud} is whatever the webhook's creator chose (or its URI). A tenant that
 * creates a webhook of its own with another tenant's audience (here: that tenant's endpoint URI,
 * its default audience) gets host-signed tokens that the other tenant's listener, configured as
 * docs/receiving.md says (issuer, audience, key set; the API key being optional), accepts: the
 * first tenant can then push its own events, with attributes it chose, into the other tenant's
 * listener within the token's freshness window.
 */
class CrossTenantAudienceTest {
  private static final String ACME_HOOK = "https://hooks.acme.example/hookline";

  @Test
  void aTokenMadeForAnotherTenantsWebhookIsNotAcceptedByThisTenantsListener() {
    ManualClock clock = ManualClock.at(T0);
    InMemorySigningKeys keys = InMemorySigningKeys.of(Fixtures.RSA_1, clock, Duration.ofDays(1));
    SecurityEventTokenFormat format =
        SecurityEventTokenFormat.builder().issuer(ISSUER).signingKeys(keys).build();
    WebhookRegistry registry =
        WebhookRegistry.builder().store(new InMemoryStore()).clock(clock).build();

    // Tenant "acme"'s webhook and its listener, which verifies iss and aud (its endpoint URI).
    registry.create(
        WebhookDefinition.builder()
            .name("acme's SET listener")
            .uri(ACME_HOOK)
            .apiKey("acme-api-key-0123456789")
            .tenant("acme")
            .events(UserEvents.CREATED)
            .format(WebhookFormat.SECURITY_EVENT_TOKEN)
            .build());
    // A listener that checks iss, aud and the signature only is refused when built (it would
    // accept what follows); acme's listener checks its webhook's API key too.
    assertThrows(
        IllegalStateException.class,
        () ->
            SecurityEventTokenVerifier.builder()
                .jwks(keys.jwks().json())
                .issuer(ISSUER)
                .audience(ACME_HOOK)
                .clock(clock)
                .build(),
        "a listener without the API key accepts tokens made for another tenant's webhook");
    SecurityEventTokenVerifier acmeListener =
        SecurityEventTokenVerifier.builder()
            .jwks(keys.jwks().json())
            .issuer(ISSUER)
            .audience(ACME_HOOK)
            .apiKey("acme-api-key-0123456789")
            .clock(clock)
            .build();

    // Tenant "mallory" points a webhook at its own endpoint, with acme's URI as the audience.
    Webhook mallorys =
        registry.create(
            WebhookDefinition.builder()
                .name("mallory's webhook")
                .uri("https://mallory.example/collect")
                .apiKey("mallory-api-key-0123456789")
                .tenant("mallory")
                .events(UserEvents.CREATED)
                .format(WebhookFormat.SECURITY_EVENT_TOKEN)
                .audience(ACME_HOOK)
                .build());
    Event mallorysEvent =
        Event.builder(UserEvents.CREATED)
            .id("evt_mallory_1")
            .occurredAt(clock.instant())
            .subject(Subject.user("usr_admin").withTenant("mallory"))
            .data(JsonNodeFactory.instance.objectNode().put("role", "owner"))
            .build();
    // What the host's dispatcher POSTs to mallory's endpoint, and mallory replays to acme.
    String token = format.token(mallorysEvent, mallorys, clock.instant());

    assertThrows(
        WebhookVerificationException.class,
        () ->
            acmeListener.verify(
                Map.of(
                    "Content-Type", List.of("application/secevent+jwt"),
                    "Authorization", List.of("Bearer mallory-api-key-0123456789")),
                token.getBytes(StandardCharsets.US_ASCII)),
        "acme's listener accepted a token the host signed for another tenant's webhook");
  }
}
