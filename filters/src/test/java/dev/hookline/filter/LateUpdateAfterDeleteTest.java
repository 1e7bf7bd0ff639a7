package dev.hookline.filter;

import static dev.hookline.filter.Fixtures.CREATED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The registry tells listeners on the thread that made a change, with no lock held (a listener may
 * take its own locks), so an update whose thread is held up between its Store write and telling may
 * be told after the delete that followed it. The index keeps the webhook gone: it neither routes to
 * it again nor takes it back from a list read before the delete.
 */
class LateUpdateAfterDeleteTest {
  private static WebhookDefinition definition(String name) {
    return WebhookDefinition.builder()
        .name(name)
        .uri("https://crm.example.com/hooks")
        .apiKey("key-0123456789abcdef")
        .events(CREATED)
        .build();
  }

  @Test
  void anUpdateToldAfterItsDeleteDoesNotBringTheWebhookBack() throws Exception {
    InMemoryStore memory = new InMemoryStore();
    CountDownLatch written = new CountDownLatch(1);
    CountDownLatch goOn = new CountDownLatch(1);
    // The update's thread, descheduled right after its write, before it tells the listeners.
    Store store =
        (Store)
            Proxy.newProxyInstance(
                Store.class.getClassLoader(),
                new Class<?>[] {Store.class},
                (proxy, method, args) -> {
                  Object result;
                  try {
                    result = method.invoke(memory, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                  if (method.getName().equals("updateWebhook")) {
                    written.countDown();
                    assertTrue(goOn.await(10, TimeUnit.SECONDS));
                  }
                  return result;
                });
    WebhookRegistry registry =
        WebhookRegistry.builder().store(store).filterCompiler(Filters.compiler()).build();
    SubscriptionIndex index = SubscriptionIndex.create(Filters.compiler());
    registry.addChangeListener(index);
    Webhook w = registry.create(definition("CRM sync"));
    List<Webhook> readBeforeTheDelete = registry.list();
    assertEquals(1, index.size());

    CompletableFuture<Webhook> update =
        CompletableFuture.supplyAsync(() -> registry.update(w.id(), 1, definition("renamed")));
    assertTrue(written.await(10, TimeUnit.SECONDS), "the update was written");
    assertTrue(registry.delete(w.id()), "deleted, and told, while the update waits");
    goOn.countDown();
    assertEquals(2, update.get(10, TimeUnit.SECONDS).version(), "the update itself succeeded");

    assertEquals(Optional.empty(), registry.get(w.id()));
    assertEquals(0, index.size(), "the late update did not bring it back");
    assertEquals(List.of(), index.match(Fixtures.event(CREATED)));
    index.replaceAll(readBeforeTheDelete);
    assertEquals(0, index.size(), "nor a list read before the delete");
  }
}
