package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.filter.Filters;
import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.TestWebhooks;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** While the Store fails, the background claim loop backs off and keeps going; then it recovers. */
class ClaimBackoffTest {

  @Test
  void aFailingStoreIsRetriedWithBackoffAndNothingIsLost() throws Exception {
    InMemoryStore real = new InMemoryStore();
    AtomicBoolean down = new AtomicBoolean(false);
    AtomicInteger failedClaims = new AtomicInteger();
    Store flaky =
        (Store)
            Proxy.newProxyInstance(
                Store.class.getClassLoader(),
                new Class<?>[] {Store.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("claim") && down.get()) {
                    failedClaims.incrementAndGet();
                    throw new IllegalStateException("database unreachable (simulated)");
                  }
                  try {
                    return method.invoke(real, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    AtomicInteger received = new AtomicInteger();
    HttpServer endpoint =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    endpoint.createContext(
        "/",
        x -> {
          x.getRequestBody().readAllBytes();
          received.incrementAndGet();
          x.sendResponseHeaders(204, -1);
          x.close();
        });
    endpoint.start();
    try {
      WebhookRegistry registry =
          WebhookRegistry.builder()
              .store(flaky)
              .filterCompiler(Filters.compiler())
              .allowInsecureLoopbackForDevelopment(true)
              .build();
      Webhook w =
          registry.create(
              WebhookDefinition.builder()
                  .name("backoff")
                  .uri("http://127.0.0.1:" + endpoint.getAddress().getPort() + "/hook")
                  .apiKey(Harness.API_KEY)
                  .events(UserEvents.CREATED)
                  .build());
      TestWebhooks.markVerified(registry, w.id());
      registry.enable(w.id());
      down.set(true);
      try (Dispatcher d =
          Dispatcher.builder()
              .registry(registry)
              .pollInterval(Duration.ofMillis(10))
              .shutdownTimeout(Duration.ofSeconds(2))
              .build()
              .start()) {
        d.publish(
            dev.hookline.Event.builder(UserEvents.CREATED)
                .user("usr_1")
                .occurredAt(java.time.Instant.now())
                .build());
        Harness.await(Duration.ofSeconds(10), () -> failedClaims.get() >= 3);
        assertEquals(0, received.get(), "nothing can be claimed while the store is down");
        down.set(false);
        Harness.await(Duration.ofSeconds(20), () -> received.get() == 1);
        Harness.await(Duration.ofSeconds(5), () -> d.summary(w.id()).succeeded() == 1);
      }
      // at 10 ms polls without backoff, the outage above would have failed far more often
      assertTrue(failedClaims.get() >= 3);
    } finally {
      endpoint.stop(0);
    }
  }
}
