package dev.hookline.filter;

import static dev.hookline.filter.Fixtures.CREATED;
import static dev.hookline.filter.Fixtures.LOGGED_IN;
import static dev.hookline.filter.Fixtures.UPDATED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Event;
import dev.hookline.Subject;
import dev.hookline.Violation;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.WebhookValidationException;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** The registry validates and stores filters through {@link Filters#compiler()}. */
class RegistryIntegrationTest {
  private final WebhookRegistry registry =
      WebhookRegistry.builder()
          .store(new InMemoryStore())
          .clock(ManualClock.startingAtEpoch2026())
          .filterCompiler(Filters.compiler())
          .build();

  private static WebhookDefinition definition(
      @Nullable String filter, dev.hookline.EventType... types) {
    return WebhookDefinition.builder()
        .name("CRM sync")
        .uri("https://crm.example.com/hooks")
        .apiKey("key-0123456789abcdef")
        .events(types)
        .filter(filter)
        .build();
  }

  private static Violation onlyViolation(WebhookValidationException e) {
    assertEquals(1, e.violations().size(), e::getMessage);
    return e.violations().get(0);
  }

  @Test
  void createStoresTheCanonicalText() {
    Webhook w =
        registry.create(
            definition(
                "type==\"user.updated\"\n   and changed(\"password\" , \"email\")",
                UPDATED,
                CREATED));

    assertEquals(
        Optional.of("type == \"user.updated\" and changed(\"email\", \"password\")"), w.filter());
    assertEquals(w.filter(), registry.require(w.id()).filter());
  }

  @Test
  void syntaxErrorIsAViolationOnTheFilterFieldWithPosition() {
    WebhookValidationException e =
        assertThrows(
            WebhookValidationException.class,
            () ->
                registry.create(definition("subject.app_id == \"a\" and\n  data.x = 1", CREATED)));

    Violation v = onlyViolation(e);
    assertEquals("filter", v.field());
    assertEquals("line 2, column 10: unexpected '='; did you mean '=='?", v.problem());
    assertTrue(e.hasViolation("filter"));
  }

  @Test
  void typeOutsideTheSubscriptionIsRejectedClearly() {
    WebhookValidationException e =
        assertThrows(
            WebhookValidationException.class,
            () -> registry.create(definition("type == \"user.logged_in\"", CREATED, UPDATED)));

    Violation v = onlyViolation(e);
    assertEquals("filter", v.field());
    assertEquals(
        "line 1, column 9: filter names event type \"user.logged_in\", which is not one of the"
            + " webhook's subscribed event types (user.created, user.updated); subscribe to it or"
            + " remove it from the filter",
        v.problem());
  }

  @Test
  void updateValidatesTheFilterAgainstTheNewTypes() {
    Webhook w = registry.create(definition("type == \"user.logged_in\"", LOGGED_IN, CREATED));

    assertThrows(
        WebhookValidationException.class,
        () -> registry.update(w.id(), w.version(), definition(w.filter().orElseThrow(), CREATED)));
    Webhook updated =
        registry.update(w.id(), w.version(), definition("changed(\"email\")", UPDATED));
    assertEquals(Optional.of("changed(\"email\")"), updated.filter());
  }

  @Test
  void indexFollowsRegistryChangesAndReloadsFromTheStore() {
    SubscriptionIndex index = SubscriptionIndex.create(Filters.compiler());
    registry.addChangeListener(index);
    Webhook app1 = registry.create(definition("subject.app_id == \"app1\"", CREATED));
    Webhook all = registry.create(definition(null, CREATED));
    Event forApp1 = Fixtures.appEvent(CREATED, "app1");

    assertEquals(
        java.util.stream.Stream.of(app1.id(), all.id()).sorted().toList(),
        ids(index.match(forApp1)));
    registry.update(app1.id(), app1.version(), definition("subject.app_id == \"app2\"", CREATED));
    assertEquals(List.of(all.id()), ids(index.match(forApp1)));
    registry.delete(all.id());
    assertEquals(List.of(), ids(index.match(forApp1)));

    SubscriptionIndex reloaded = SubscriptionIndex.create(Filters.compiler());
    reloaded.replaceAll(registry.list());
    Event forApp2 = Fixtures.event(CREATED, Subject.user("u").withApp("app2"), "{}");
    assertEquals(List.of(app1.id()), ids(reloaded.match(forApp2)));
    assertEquals(ids(index.match(forApp2)), ids(reloaded.match(forApp2)));
  }

  private static List<String> ids(List<Webhook> hooks) {
    return hooks.stream().map(Webhook::id).sorted().toList();
  }
}
