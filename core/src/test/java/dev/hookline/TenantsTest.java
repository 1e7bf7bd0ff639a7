package dev.hookline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.store.InMemoryStore;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A webhook's tenant: validated, fixed at creation, and the boundary of the tenant-scoped reads.
 */
class TenantsTest {
  private final WebhookRegistry registry =
      WebhookRegistry.builder().store(new InMemoryStore()).build();

  private static WebhookDefinition.Builder definition(String name) {
    return WebhookDefinition.builder()
        .name(name)
        .uri("https://hooks.example.com/" + name)
        .apiKey("k3y-0123456789-abcdef")
        .events(UserEvents.CREATED);
  }

  private static List<String> fields(WebhookValidationException e) {
    return e.violations().stream().map(Violation::field).toList();
  }

  @Test
  void aTenantIsOptionalAndKeptOnTheWebhookAndItsDefinition() {
    Webhook host = registry.create(definition("host").build());
    Webhook acme = registry.create(definition("acme").tenant("acme").build());
    assertEquals(Optional.empty(), host.tenant());
    assertEquals(Optional.of("acme"), acme.tenant());
    assertEquals(Optional.of("acme"), registry.require(acme.id()).tenant());
    assertEquals(Optional.of("acme"), acme.definition().tenant());
    assertTrue(acme.toString().contains("tenant=acme"), acme.toString());
  }

  @Test
  void aTenantHasAtMostItsLimitOfWebhooksAndTheHostIsNotCounted() {
    WebhookRegistry limited =
        WebhookRegistry.builder().store(new InMemoryStore()).maxWebhooksPerTenant(3).build();
    for (int i = 0; i < 3; i++) {
      limited.create(definition("acme" + i).tenant("acme").build());
    }
    WebhookLimitException e =
        assertThrows(
            WebhookLimitException.class,
            () -> limited.create(definition("acme3").tenant("acme").build()));
    assertEquals("acme", e.tenant());
    assertEquals(3, e.limit());
    assertTrue(e.getMessage().contains("already has 3 webhooks"), e.getMessage());
    assertEquals(3, limited.forTenant("acme").list().size());
    limited.create(definition("globex").tenant("globex").build());
    for (int i = 0; i < 5; i++) {
      limited.create(definition("host" + i).build());
    }
    limited.delete(limited.forTenant("acme").list().get(0).id());
    limited.create(definition("acme3").tenant("acme").build());
  }

  @Test
  void theDefaultWebhookLimitIsAHundredAndTheLimitIsBounded() {
    WebhookRegistry byDefault = WebhookRegistry.builder().store(new InMemoryStore()).build();
    for (int i = 0; i < WebhookRegistry.DEFAULT_MAX_WEBHOOKS_PER_TENANT; i++) {
      byDefault.create(definition("n" + i).tenant("acme").build());
    }
    assertThrows(
        WebhookLimitException.class,
        () -> byDefault.create(definition("one-more").tenant("acme").build()));
    for (int bad : new int[] {0, -1, 1_000_001}) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> WebhookRegistry.builder().maxWebhooksPerTenant(bad));
      assertTrue(e.getMessage().contains("between 1 and 1,000,000"), e.getMessage());
    }
  }

  @Test
  void aMalformedTenantIsReportedWithTheOtherViolations() {
    for (String bad : List.of("", "a b", "acme/corp", "x".repeat(129), "ténant", "a\nb")) {
      WebhookValidationException e =
          assertThrows(
              WebhookValidationException.class,
              () -> registry.create(definition("").tenant(bad).build()),
              bad);
      assertEquals(List.of("tenant", "name"), fields(e), bad);
      assertFalse(e.getMessage().contains(bad.isEmpty() ? "\u0000" : bad), e.getMessage());
    }
    for (String good : List.of("a", "acme", "tn_01H:eu-west.1@corp", "x".repeat(128))) {
      assertEquals(
          Optional.of(good), registry.create(definition("ok").tenant(good).build()).tenant());
    }
  }

  @Test
  void anUpdateThatChangesAddsOrRemovesTheTenantIsRefusedNamingTenant() {
    Webhook acme = registry.create(definition("acme").tenant("acme").build());
    Webhook host = registry.create(definition("host").build());

    for (WebhookDefinition change :
        List.of(
            acme.definition().toBuilder().tenant("globex").build(),
            acme.definition().toBuilder().tenant(null).build())) {
      WebhookValidationException e =
          assertThrows(
              WebhookValidationException.class,
              () -> registry.update(acme.id(), acme.version(), change));
      assertEquals(List.of("tenant"), fields(e));
    }
    WebhookValidationException added =
        assertThrows(
            WebhookValidationException.class,
            () ->
                registry.update(
                    host.id(),
                    host.version(),
                    host.definition().toBuilder().tenant("acme").build()));
    assertEquals(List.of("tenant"), fields(added));
    WebhookValidationException together =
        assertThrows(
            WebhookValidationException.class,
            () ->
                registry.update(
                    acme.id(),
                    acme.version(),
                    acme.definition().toBuilder().name("").tenant("globex").build()));
    assertEquals(List.of("tenant", "name"), fields(together), "reported with the others");
    assertEquals(acme, registry.require(acme.id()));

    Webhook renamed =
        registry.update(
            acme.id(), acme.version(), acme.definition().toBuilder().name("renamed").build());
    assertEquals(Optional.of("acme"), renamed.tenant());
    assertEquals("renamed", renamed.name());
  }

  @Test
  void aTenantsViewSeesOnlyItsOwnWebhooksAndAnotherTenantsLooksMissing() {
    Webhook a1 = registry.create(definition("a1").tenant("acme").build());
    Webhook g = registry.create(definition("g").tenant("globex").build());
    Webhook host = registry.create(definition("host").build());
    Webhook a2 = registry.create(definition("a2").tenant("acme").build());
    TenantWebhooks acme = registry.forTenant("acme");

    assertEquals("acme", acme.tenant());
    assertEquals(
        java.util.Set.of(a1.id(), a2.id()),
        java.util.Set.copyOf(acme.list().stream().map(Webhook::id).toList()));
    assertEquals(Optional.of(a1), acme.get(a1.id()));
    assertEquals(a2, acme.require(a2.id()));
    for (String foreign : List.of(g.id(), host.id())) {
      assertEquals(Optional.empty(), acme.get(foreign));
      WebhookNotFoundException viaView =
          assertThrows(WebhookNotFoundException.class, () -> acme.require(foreign));
      WebhookNotFoundException missing =
          assertThrows(WebhookNotFoundException.class, () -> registry.require(foreign + "x"));
      assertEquals(
          missing.getMessage().replace(foreign + "x", foreign),
          viaView.getMessage(),
          "another tenant's webhook reads exactly like a missing one");
    }
    assertEquals(List.of(), registry.forTenant("initech").list());
    assertThrows(IllegalArgumentException.class, () -> registry.forTenant("not a tenant"));
  }

  @Test
  void withinTenantKeepsATenantsWebhookToItsTenantsEvents() {
    Webhook acme = registry.create(definition("acme").tenant("acme").build());
    Webhook host = registry.create(definition("host").build());
    Event acmeEvent =
        Event.builder(UserEvents.CREATED)
            .occurredAt(Instant.EPOCH)
            .subject(Subject.user("u").withTenant("acme"))
            .build();
    Event globexEvent =
        Event.builder(UserEvents.CREATED)
            .occurredAt(Instant.EPOCH)
            .subject(Subject.user("u").withTenant("globex"))
            .build();
    Event untenanted =
        Event.builder(UserEvents.CREATED).occurredAt(Instant.EPOCH).user("u").build();
    assertTrue(acme.withinTenant(acmeEvent));
    assertFalse(acme.withinTenant(globexEvent));
    assertFalse(acme.withinTenant(untenanted));
    assertTrue(host.withinTenant(acmeEvent));
    assertTrue(host.withinTenant(globexEvent));
    assertTrue(host.withinTenant(untenanted));
  }
}
