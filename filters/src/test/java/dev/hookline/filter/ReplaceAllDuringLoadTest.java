package dev.hookline.filter;

import static dev.hookline.filter.Fixtures.CREATED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Event;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * docs/filters.md loads the index with the registry's list after registering it as a listener, "a
 * change made meanwhile is kept". A webhook created by another thread after the list was read but
 * before it reached {@code replaceAll} was told to the index and then wiped by the load: events
 * were never routed to it until the next full reload. {@code replaceAll(Supplier)} keeps what it
 * was told while the load ran.
 */
class ReplaceAllDuringLoadTest {
  private final WebhookRegistry registry =
      WebhookRegistry.builder()
          .store(new InMemoryStore())
          .clock(ManualClock.startingAtEpoch2026())
          .filterCompiler(Filters.compiler())
          .build();

  private static WebhookDefinition definition(String name) {
    return WebhookDefinition.builder()
        .name(name)
        .uri("https://crm.example.com/hooks")
        .apiKey("key-0123456789abcdef")
        .events(CREATED)
        .build();
  }

  private static Event created() {
    return Event.builder(CREATED)
        .user("usr_1")
        .occurredAt(Instant.parse("2026-11-22T10:15:30Z"))
        .build();
  }

  private static Set<String> ids(List<Webhook> webhooks) {
    return webhooks.stream().map(Webhook::id).collect(Collectors.toSet());
  }

  @Test
  void aWebhookCreatedWhileTheListWasReadIsKept() {
    SubscriptionIndex index = SubscriptionIndex.create(Filters.compiler());
    registry.addChangeListener(index);
    Webhook before = registry.create(definition("before the load"));
    Webhook[] during = new Webhook[1];

    index.replaceAll(
        () -> {
          List<Webhook> read = registry.list();
          during[0] = registry.create(definition("created while the list was read"));
          return read;
        });

    assertEquals(Set.of(before.id(), during[0].id()), ids(index.match(created())));
    assertEquals(2, index.size());
  }

  @Test
  void theCollectionFormDropsIt_asItsJavadocSays() {
    SubscriptionIndex index = SubscriptionIndex.create(Filters.compiler());
    registry.addChangeListener(index);
    Webhook before = registry.create(definition("before the load"));
    List<Webhook> read = registry.list();
    registry.create(definition("created while the list was read"));

    index.replaceAll(read);

    assertEquals(Set.of(before.id()), ids(index.match(created())));
  }

  @Test
  void aWebhookTheListLacksAndNobodyToldIsDropped_andDeletesDuringTheLoadStayGone() {
    SubscriptionIndex index = SubscriptionIndex.create(Filters.compiler());
    Webhook kept = registry.create(definition("kept"));
    Webhook goneElsewhere = registry.create(definition("deleted where the index did not listen"));
    index.replaceAll(registry.list());
    registry.delete(goneElsewhere.id());
    registry.addChangeListener(index);
    Webhook deletedDuring = registry.create(definition("deleted during the load"));

    index.replaceAll(
        () -> {
          List<Webhook> read = registry.list();
          registry.delete(deletedDuring.id());
          return read;
        });

    assertEquals(Set.of(kept.id()), ids(index.match(created())));
  }

  @Test
  void aLoadThatFailsLeavesTheIndexAsItWasAndTracksNothingAfter() {
    SubscriptionIndex index = SubscriptionIndex.create(Filters.compiler());
    registry.addChangeListener(index);
    Webhook w = registry.create(definition("held"));
    IllegalStateException failure = new IllegalStateException("store down");

    assertThrows(
        IllegalStateException.class,
        () ->
            index.replaceAll(
                () -> {
                  throw failure;
                }));

    assertEquals(Set.of(w.id()), ids(index.match(created())));
    Webhook later = registry.create(definition("created after the failed load"));
    registry.delete(later.id());
    index.replaceAll(() -> List.of());
    assertTrue(index.match(created()).isEmpty(), "nothing put during this load, nothing kept");
  }
}
