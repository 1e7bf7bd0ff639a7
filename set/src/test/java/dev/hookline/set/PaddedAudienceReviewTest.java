package dev.hookline.set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hookline.UserEvents;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookFormat;
import dev.hookline.WebhookRegistry;
import dev.hookline.WebhookValidationException;
import dev.hookline.receiver.set.SecurityEventTokenVerifier;
import dev.hookline.store.InMemoryStore;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Review r98: since 0cd3ce4 Hookline's receiver refuses to be configured with an audience that has
 * leading or trailing whitespace ("which no token's aud has"). But the sender stored such an
 * audience as given (core's rules refused only blank ones and control characters), and the SET
 * format writes it into every token's {@code aud} unchanged: a webhook created with {@code
 * "urn:example:orders "} sent tokens that no Hookline receiver could be configured to accept (the
 * exact value is refused at build, the trimmed one fails every token as {@code invalid_audience}).
 * The webhook's audience is refused the same way now, when it is created or changed.
 */
class PaddedAudienceReviewTest {

  @ParameterizedTest
  @ValueSource(strings = {"urn:example:orders ", " https://rp.example/aud", "urn:a\u2028"})
  void anAudienceTheReceiverRefusesIsRefusedForTheWebhook(String audience) {
    assertThrows(
        IllegalArgumentException.class,
        () -> SecurityEventTokenVerifier.builder().audience(audience),
        "the receiver refuses it");
    WebhookRegistry registry = WebhookRegistry.builder().store(new InMemoryStore()).build();
    WebhookValidationException e =
        assertThrows(
            WebhookValidationException.class,
            () ->
                registry.create(
                    WebhookDefinition.builder()
                        .name("SET listener")
                        .uri("https://hooks.example.com/set")
                        .apiKey("k3y-0123456789-abcdef")
                        .events(UserEvents.CREATED)
                        .format(WebhookFormat.SECURITY_EVENT_TOKEN)
                        .audience(audience)
                        .build()),
            "the webhook's tokens would carry an aud no Hookline receiver accepts");
    assertEquals("audience", e.violations().get(0).field());
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://rp.example/aud/", "an audience with inner spaces"})
  void aTrailingSlashOrInnerSpacesStayAccepted(String audience) {
    SecurityEventTokenVerifier.builder().audience(audience);
    WebhookRegistry registry = WebhookRegistry.builder().store(new InMemoryStore()).build();
    assertEquals(
        audience,
        registry
            .create(
                WebhookDefinition.builder()
                    .name("SET listener")
                    .uri("https://hooks.example.com/set")
                    .apiKey("k3y-0123456789-abcdef")
                    .events(UserEvents.CREATED)
                    .format(WebhookFormat.SECURITY_EVENT_TOKEN)
                    .audience(audience)
                    .build())
            .audience()
            .orElseThrow());
  }
}
