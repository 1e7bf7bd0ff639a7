package dev.hookline.micrometer;

import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.filter.Filters;
import dev.hookline.spi.Store;
import dev.hookline.testing.TestWebhooks;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;

/** What the gauge tests share: a Store whose count query they can fail or hold, and a registry. */
final class GaugeFixtures {
  private GaugeFixtures() {}

  /** Runs before each of the Store's count queries; may throw, or block to hold the query. */
  interface BeforeCount {
    void run() throws Exception;
  }

  /** Returns {@code real}, with {@code beforeCount} run before each {@code countDeliveries}. */
  static Store countWatching(Store real, BeforeCount beforeCount) {
    return (Store)
        Proxy.newProxyInstance(
            Store.class.getClassLoader(),
            new Class<?>[] {Store.class},
            (proxy, method, args) -> {
              if (method.getName().equals("countDeliveries")) {
                beforeCount.run();
              }
              try {
                return method.invoke(real, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  /** A registry over {@code store} with one verified, enabled webhook for user.created. */
  static WebhookRegistry registryWithOneWebhook(Store store, Clock clock, String name) {
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(store)
            .clock(clock)
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    Webhook w =
        registry.create(
            WebhookDefinition.builder()
                .name(name)
                .uri("http://127.0.0.1:9/hook")
                .apiKey("test-api-key-0123456789")
                .events(UserEvents.CREATED)
                .build());
    TestWebhooks.markVerified(registry, w.id());
    registry.enable(w.id());
    return registry;
  }
}
