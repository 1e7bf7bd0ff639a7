package dev.hookline.filter;

import static dev.hookline.filter.Fixtures.CREATED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Event;
import dev.hookline.Webhook;
import dev.hookline.WebhookChangeListener;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.Poll;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The registry tells its listeners of a change after the Store write, outside any lock. An update
 * whose notification is still on its way when a delete of the same webhook completes reaches the
 * index after the delete's: the index, which holds nothing for the id any more, takes the update as
 * new and routes events to a webhook that no longer exists, for good (until a full reload).
 * docs/filters.md tells hosts to follow the registry exactly this way ({@code
 * registry.addChangeListener(index)}).
 */
class RegistryIndexRaceReviewTest {
  private static WebhookDefinition definition(String name) {
    return WebhookDefinition.builder()
        .name(name)
        .uri("https://crm.example.com/hooks")
        .apiKey("key-0123456789abcdef")
        .events(CREATED)
        .build();
  }

  @Test
  void anUpdateNotifiedAfterTheDeleteDoesNotBringTheWebhookBackIntoTheIndex() throws Exception {
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(new InMemoryStore())
            .clock(ManualClock.startingAtEpoch2026())
            .filterCompiler(Filters.compiler())
            .build();
    CountDownLatch updateNotifying = new CountDownLatch(1);
    CountDownLatch goOn = new CountDownLatch(1);
    // Stands for any listener registered before the index that takes a moment (a metrics binder,
    // the dispatcher's view, a log appender), or for the update's thread being descheduled.
    WebhookChangeListener slow =
        (id, current) -> {
          if (current.isPresent() && current.get().version() == 2) {
            updateNotifying.countDown();
            try {
              goOn.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        };
    registry.addChangeListener(slow);
    SubscriptionIndex index = SubscriptionIndex.create(Filters.compiler());
    registry.addChangeListener(index);

    Webhook w = registry.create(definition("CRM sync"));
    assertEquals(1, index.size());

    CompletableFuture<Webhook> update = new CompletableFuture<>();
    Thread updater =
        new Thread(
            () -> {
              try {
                update.complete(registry.update(w.id(), 1, definition("CRM sync, renamed")));
              } catch (RuntimeException ex) {
                update.completeExceptionally(ex);
              }
            });
    updater.start();
    assertTrue(updateNotifying.await(10, TimeUnit.SECONDS), "the update reached its listeners");
    CompletableFuture<Boolean> delete = new CompletableFuture<>();
    Thread deleter =
        new Thread(
            () -> {
              try {
                delete.complete(registry.delete(w.id()));
              } catch (RuntimeException ex) {
                delete.completeExceptionally(ex);
              }
            });
    deleter.start();
    // Today the delete completes (and empties the index) at once; a registry that orders the
    // notifications of one webhook makes it wait for the update's instead.
    Poll.until(
        Duration.ofSeconds(10),
        () ->
            delete.isDone()
                || deleter.getState() == Thread.State.BLOCKED
                || LockSupport.getBlocker(deleter) != null,
        "the delete completes or waits for the update");
    goOn.countDown();
    update.get(10, TimeUnit.SECONDS);
    assertTrue(delete.get(10, TimeUnit.SECONDS));

    assertEquals(Optional.empty(), registry.get(w.id()), "the webhook is deleted");
    Event e = Fixtures.event(CREATED);
    assertEquals(List.of(), index.match(e), "a deleted webhook is routed to");
    assertEquals(0, index.size());
  }
}
