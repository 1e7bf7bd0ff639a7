package dev.hookline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.store.InMemoryStore;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every rule of webhook validation fails with its own message; several are reported at once. */
class WebhookValidationTest {
  private static final String KEY = "k3y-0123456789-abcdef";

  private final WebhookRegistry registry =
      WebhookRegistry.builder()
          .store(new InMemoryStore())
          .clock(Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC))
          .build();

  private final WebhookRegistry devRegistry =
      WebhookRegistry.builder()
          .store(new InMemoryStore())
          .allowInsecureLoopbackForDevelopment(true)
          .build();

  private static WebhookDefinition.Builder valid() {
    return WebhookDefinition.builder()
        .name("CRM sync")
        .description("Keeps the CRM in step")
        .uri("https://hooks.example.com/identity")
        .apiKey(KEY)
        .events(UserEvents.CREATED, UserEvents.UPDATED);
  }

  private Violation onlyViolation(
      WebhookRegistry r, UnaryOperator<WebhookDefinition.Builder> change) {
    WebhookValidationException e =
        assertThrows(
            WebhookValidationException.class, () -> r.create(change.apply(valid()).build()));
    assertEquals(1, e.violations().size(), () -> "expected one violation, got " + e.violations());
    return e.violations().get(0);
  }

  private Violation onlyViolation(UnaryOperator<WebhookDefinition.Builder> change) {
    return onlyViolation(registry, change);
  }

  @Test
  void aValidDefinitionIsAccepted() {
    Webhook w = registry.create(valid().build());
    assertEquals("CRM sync", w.name());
    assertEquals(WebhookStatus.PENDING_VERIFICATION, w.status());
    assertFalse(w.enabled());
    assertEquals(1, w.version());
    assertEquals(1, w.signingSecrets().size());
    assertTrue(w.signingSecrets().get(0).secret().reveal().startsWith("whsec_"));
  }

  @Test
  void theFormatDefaultsToStandardWebhooksAndASecurityEventTokenWebhookKeepsItsAudience() {
    Webhook plain = registry.create(valid().build());
    assertEquals(WebhookFormat.STANDARD_WEBHOOKS, plain.format());
    assertEquals(java.util.Optional.empty(), plain.audience());

    Webhook set =
        registry.create(
            valid()
                .format(WebhookFormat.SECURITY_EVENT_TOKEN)
                .audience("https://rp.example/aud")
                .build());
    assertEquals(WebhookFormat.SECURITY_EVENT_TOKEN, set.format());
    assertEquals(java.util.Optional.of("https://rp.example/aud"), set.audience());
    assertEquals(set.format(), set.definition().format());
    assertEquals(set.audience(), set.definition().audience());

    Webhook back =
        registry.update(
            set.id(),
            set.version(),
            set.definition().toBuilder()
                .format(WebhookFormat.STANDARD_WEBHOOKS)
                .audience(null)
                .build());
    assertEquals(WebhookFormat.STANDARD_WEBHOOKS, back.format());
    assertEquals(java.util.Optional.empty(), back.audience());
  }

  @Test
  void aDescriptionWithAControlCharacterIsRefusedButLineBreaksAreKept() {
    Violation v = onlyViolation(b -> b.description("a\u0000b"));
    assertEquals("description", v.field());
    assertEquals("contains a control character", v.problem());
    assertEquals("printable characters, tabs and line breaks", v.allowed());
    assertEquals(
        "line one\nline two\twith a tab",
        registry
            .create(valid().description("line one\nline two\twith a tab").build())
            .description());
  }

  @Test
  void aPortOutsideOneTo65535IsRefused() {
    for (String port : new String[] {"70000", "0"}) {
      Violation v = onlyViolation(b -> b.uri("https://hooks.example.com:" + port + "/in"));
      assertEquals("uri", v.field());
      assertEquals("has port " + port, v.problem());
      assertTrue(v.allowed().endsWith("a port from 1 to 65535"), v.allowed());
    }
    assertEquals(
        8443,
        registry.create(valid().uri("https://hooks.example.com:8443/in").build()).uri().getPort());
  }

  @Test
  void anAudienceIsOnlyForSecurityEventTokens() {
    Violation v = onlyViolation(b -> b.audience("https://rp.example"));
    assertEquals("audience", v.field());
    assertEquals("only with the SECURITY_EVENT_TOKEN format", v.allowed());
    Violation blank =
        onlyViolation(b -> b.format(WebhookFormat.SECURITY_EVENT_TOKEN).audience("  "));
    assertEquals("must not be blank", blank.problem());
    Violation tooLong =
        onlyViolation(b -> b.format(WebhookFormat.SECURITY_EVENT_TOKEN).audience("a".repeat(2049)));
    assertEquals("is 2049 characters long", tooLong.problem());
  }

  @Test
  void nameIsRequired() {
    Violation v = onlyViolation(b -> b.name("   "));
    assertEquals("name", v.field());
    assertEquals("is required", v.problem());
    assertEquals("1 to 200 characters", v.allowed());
  }

  @Test
  void nameOf200CharactersIsAccepted() {
    assertEquals(200, registry.create(valid().name("n".repeat(200)).build()).name().length());
  }

  @Test
  void nameOver200CharactersIsRefused() {
    Violation v = onlyViolation(b -> b.name("n".repeat(201)));
    assertEquals("name", v.field());
    assertEquals("is 201 characters long", v.problem());
  }

  @Test
  void nameWithAControlCharacterIsRefused() {
    Violation v = onlyViolation(b -> b.name("bad\u0007name"));
    assertEquals("contains a control character", v.problem());
  }

  @Test
  void descriptionOver1000CharactersIsRefused() {
    Violation v = onlyViolation(b -> b.description("d".repeat(1001)));
    assertEquals("description", v.field());
    assertEquals("is 1001 characters long", v.problem());
    assertEquals("at most 1000 characters", v.allowed());
  }

  @Test
  void uriIsRequired() {
    Violation v = onlyViolation(b -> b.uri(""));
    assertEquals("uri", v.field());
    assertEquals("is required", v.problem());
  }

  @Test
  void uriMustParse() {
    Violation v = onlyViolation(b -> b.uri("https://exa mple.com/"));
    assertTrue(v.problem().startsWith("is not a valid URI"), v.problem());
  }

  @Test
  void uriMustBeAbsolute() {
    assertEquals(
        "is not absolute (no scheme)", onlyViolation(b -> b.uri("/hooks/identity")).problem());
  }

  @Test
  void uriMustUseHttps() {
    assertEquals(
        "uses the scheme 'ftp'", onlyViolation(b -> b.uri("ftp://hooks.example.com/")).problem());
  }

  @Test
  void aLongSchemeIsClippedInTheMessage() {
    String scheme = "x".repeat(300);
    assertEquals(
        "uses the scheme '" + "x".repeat(100) + "…'",
        onlyViolation(b -> b.uri(scheme + "://hooks.example.com/")).problem());
  }

  @Test
  void plainHttpIsRefusedWithoutTheDevelopmentOption() {
    Violation v = onlyViolation(b -> b.uri("http://127.0.0.1:8080/hook"));
    assertEquals("uses http, which sends the API key in clear text", v.problem());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://localhost:8080/h",
        "http://127.0.0.1/h",
        "http://127.3.2.1/h",
        "http://[::1]:9000/h"
      })
  void plainHttpToLoopbackIsAcceptedWithTheDevelopmentOption(String uri) {
    Webhook w = devRegistry.create(valid().uri(uri).build());
    assertEquals(uri, w.uri().toString());
  }

  @Test
  void plainHttpToOtherHostsIsRefusedEvenWithTheDevelopmentOption() {
    Violation v = onlyViolation(devRegistry, b -> b.uri("http://hooks.example.com/h"));
    assertEquals("uses http to a host that is not loopback", v.problem());
  }

  @Test
  void uriNeedsAHost() {
    assertEquals("has no host", onlyViolation(b -> b.uri("https:///path")).problem());
  }

  @Test
  void aHostNameThatIsNotAsciiIsNamedSoWithWhatWorks() {
    Violation v = onlyViolation(b -> b.uri("https://bücher.example/hooks"));
    assertEquals("has a host name that is not ASCII", v.problem());
    assertTrue(v.allowed().contains("xn--"), v.allowed());
    assertEquals(
        "has no host",
        onlyViolation(b -> b.uri("https://under_score.example/")).problem(),
        "an ASCII name the URI cannot read a host in is still said to have none");
  }

  @Test
  void uriMustNotCarryUserInfo() {
    assertEquals(
        "contains user-info (credentials)",
        onlyViolation(b -> b.uri("https://user:pw@hooks.example.com/")).problem());
  }

  @Test
  void uriMustNotHaveAFragment() {
    assertEquals(
        "has a fragment", onlyViolation(b -> b.uri("https://hooks.example.com/#x")).problem());
  }

  @Test
  void uriIsAtMost2048Characters() {
    Violation v = onlyViolation(b -> b.uri("https://hooks.example.com/" + "a".repeat(2048)));
    assertEquals("is 2074 characters long", v.problem());
  }

  @Test
  void apiKeyIsRequired() {
    Violation v = onlyViolation(b -> b.apiKey(""));
    assertEquals("apiKey", v.field());
    assertEquals("is required", v.problem());
  }

  @Test
  void apiKeyOf15CharactersIsTooShort() {
    assertEquals("is 15 characters long", onlyViolation(b -> b.apiKey("a".repeat(15))).problem());
  }

  @Test
  void apiKeyOf513CharactersIsTooLong() {
    assertEquals("is 513 characters long", onlyViolation(b -> b.apiKey("a".repeat(513))).problem());
  }

  @Test
  void apiKeyMustBePrintableAsciiAndTheMessageDoesNotEchoIt() {
    String secret = "secret-with space-inside";
    WebhookValidationException e =
        assertThrows(
            WebhookValidationException.class,
            () -> registry.create(valid().apiKey(secret).build()));
    assertEquals(
        "has a character outside printable ASCII at position 12", e.violations().get(0).problem());
    assertFalse(e.getMessage().contains("secret-with"), e.getMessage());
  }

  @Test
  void eventsAreRequired() {
    Violation v = onlyViolation(b -> b.events(List.of()));
    assertEquals("events", v.field());
    assertEquals("is required: subscribe to at least one event type", v.problem());
    assertTrue(v.allowed().contains("user.created"), v.allowed());
  }

  @Test
  void unknownEventTypeIsRefused() {
    Violation v = onlyViolation(b -> b.eventNames(List.of("user.created", "user.teleported")));
    assertEquals("names an unknown event type 'user.teleported'", v.problem());
  }

  @Test
  void deletionRequestedIsNotCurrentlySupported() {
    Violation v = onlyViolation(b -> b.events(UserEvents.DELETION_REQUESTED));
    assertEquals(
        "'user.deletion_requested' is not currently supported for subscription", v.problem());
    assertFalse(v.allowed().contains("user.deletion_requested"));
  }

  @Test
  void aFilterNeedsAFilterCompiler() {
    Violation v = onlyViolation(b -> b.filter("changed(\"email\")"));
    assertEquals("filter", v.field());
    assertEquals("cannot be checked: this registry has no filter compiler", v.problem());
  }

  @Test
  void everyBrokenRuleIsReportedInOneException() {
    WebhookValidationException e =
        assertThrows(
            WebhookValidationException.class,
            () ->
                registry.create(
                    WebhookDefinition.builder()
                        .name("")
                        .description("d".repeat(1001))
                        .uri("http://hooks.example.com/")
                        .apiKey("short")
                        .eventNames(List.of("user.nope"))
                        .build()));
    assertEquals(
        List.of("name", "description", "uri", "apiKey", "events"),
        e.violations().stream().map(Violation::field).toList());
    assertTrue(e.getMessage().startsWith("Invalid webhook: name: is required"), e.getMessage());
    assertFalse(e.getMessage().contains("short"), "the API key is never echoed");
  }

  @Test
  void anUpdateIsValidatedLikeACreate() {
    Webhook w = registry.create(valid().build());
    WebhookValidationException e =
        assertThrows(
            WebhookValidationException.class,
            () ->
                registry.update(
                    w.id(),
                    w.version(),
                    w.definition().toBuilder().name("").uri("ftp://x").build()));
    assertEquals(List.of("name", "uri"), e.violations().stream().map(Violation::field).toList());
    assertEquals(1, registry.require(w.id()).version(), "nothing was written");
  }

  @Test
  void customEventTypesFromTheCatalogueCanBeSubscribed() {
    EventType invoicePaid = EventType.of("invoice.paid", "Invoice paid");
    WebhookRegistry custom =
        WebhookRegistry.builder()
            .store(new InMemoryStore())
            .catalogue(EventCatalogue.builder().add(invoicePaid).build())
            .build();
    Webhook w = custom.create(valid().events(invoicePaid).build());
    assertTrue(w.subscribesTo(invoicePaid));
  }
}
