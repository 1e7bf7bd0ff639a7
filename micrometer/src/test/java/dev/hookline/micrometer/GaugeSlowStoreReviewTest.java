package dev.hookline.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
        GaugeFixtures.countWatching(
            real,
            () -> {
              counts.incrementAndGet();
              if (hang.get()) {
                reading.countDown();
                release.await(60, TimeUnit.SECONDS);
              }
            });
    WebhookRegistry registry = GaugeFixtures.registryWithOneWebhook(store, clock, "slow");
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
