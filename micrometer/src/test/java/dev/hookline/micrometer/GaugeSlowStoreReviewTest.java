package dev.hookline.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.filter.Filters;
import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Review (r131): while one scrape's Store read hangs (PostgreSQL black-holed: the query waits for
 * the socket timeout, or for ever), every other gauge read queued behind it on the binder's lock,
 * so each scrape thread that came later hung as long, and the scrape endpoint stopped answering.
 */
class GaugeSlowStoreReviewTest {

  @Test
  void aGaugeReadDoesNotWaitForAnotherThreadsStoreRead() throws Exception {
    ManualClock clock = ManualClock.at(Instant.parse("2026-12-03T10:00:00Z"));
    InMemoryStore real = new InMemoryStore();
    AtomicBoolean hang = new AtomicBoolean();
    AtomicInteger counts = new AtomicInteger();
    CountDownLatch reading = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Store store =
        (Store)
            Proxy.newProxyInstance(
                Store.class.getClassLoader(),
                new Class<?>[] {Store.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("countDeliveries")) {
                    counts.incrementAndGet();
                    if (hang.get()) {
                      reading.countDown();
                      release.await(60, TimeUnit.SECONDS);
                    }
                  }
                  try {
                    return method.invoke(real, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
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
                .name("slow")
                .uri("http://127.0.0.1:9/hook")
                .apiKey("test-api-key-0123456789")
                .events(UserEvents.CREATED)
                .build());
    dev.hookline.testing.TestWebhooks.markVerified(registry, w.id());
    registry.enable(w.id());
    try (Dispatcher d = Dispatcher.builder().registry(registry).clock(clock).build()) {
      d.reloadWebhooks();
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      HooklineMeterBinder.of(d, clock, Duration.ofSeconds(30)).bindTo(meters);
      assertEquals(0.0, meters.get(HooklineMeterBinder.PENDING).gauge().value());

      clock.advance(Duration.ofSeconds(31));
      hang.set(true);
      // Two scrape threads of their own: the common pool may have one thread (two cores), which
      // the hanging read would hold, queueing the second scrape behind it.
      ExecutorService scrapes = Executors.newFixedThreadPool(2);
      CompletableFuture<Double> first =
          CompletableFuture.supplyAsync(
              () -> meters.get(HooklineMeterBinder.PENDING).gauge().value(), scrapes);
      try {
        assertTrue(reading.await(30, TimeUnit.SECONDS), "the first scrape reads the Store");
        int before = counts.get();
        // Another scrape meanwhile: it gets the last counts at once, and does not ask the Store.
        double pending =
            CompletableFuture.supplyAsync(
                    () -> meters.get(HooklineMeterBinder.RETRYING).gauge().value(), scrapes)
                .get(30, TimeUnit.SECONDS);
        assertEquals(0.0, pending, "the last counts read, not a wait for the hanging read");
        assertEquals(before, counts.get(), "one Store read at a time");
      } finally {
        release.countDown();
        scrapes.shutdown();
      }
      assertEquals(0.0, first.get(30, TimeUnit.SECONDS));
    }
  }
}
