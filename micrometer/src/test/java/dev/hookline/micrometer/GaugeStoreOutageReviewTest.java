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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Review (obs): the gauges' Store read is cached for {@code refresh} (30 s) only when it succeeds.
 * While the Store fails (PostgreSQL down: each query waits for the pool's connection timeout),
 * every gauge read runs the whole {@code Dispatcher.summary()} again, one Store query per webhook,
 * holding the binder's lock: a scrape of the two count gauges does it twice, and scrapes queue up
 * behind each other on the lock.
 */
class GaugeStoreOutageReviewTest {

  @Test
  void aFailingStoreIsAskedAtMostOncePerRefreshLikeAnAnsweringOne() {
    ManualClock clock = ManualClock.at(Instant.parse("2026-12-02T10:00:00Z"));
    InMemoryStore real = new InMemoryStore();
    AtomicBoolean down = new AtomicBoolean();
    AtomicInteger counts = new AtomicInteger();
    Store store =
        GaugeFixtures.countWatching(
            real,
            () -> {
              counts.incrementAndGet();
              if (down.get()) {
                throw new IllegalStateException("connection is not available, timed out");
              }
            });
    WebhookRegistry registry = GaugeFixtures.registryWithOneWebhook(store, clock, "outage");
    try (Dispatcher d = Dispatcher.builder().registry(registry).clock(clock).build()) {
      d.reloadWebhooks();
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      HooklineMeterBinder binder = HooklineMeterBinder.of(d, clock, Duration.ofSeconds(30));
      binder.bindTo(meters);

      // Up: one scrape (both count gauges), then another within the refresh: one Store read.
      scrape(meters);
      scrape(meters);
      int whileUp = counts.getAndSet(0);
      assertEquals(1, whileUp, "up: cached for the refresh");

      clock.advance(Duration.ofSeconds(31));
      down.set(true);
      assertTrue(
          Double.isNaN(meters.get(HooklineMeterBinder.PENDING).gauge().value()), "NaN while down");
      counts.set(0);
      scrape(meters);
      scrape(meters);
      scrape(meters);
      int whileDown = counts.get();
      assertEquals(
          0,
          whileDown,
          "down: three scrapes within 30 s of a failed read asked the failing Store "
              + whileDown
              + " more times (once per gauge read), where an answering Store is asked once per"
              + " refresh");
    }
  }

  private static void scrape(SimpleMeterRegistry meters) {
    meters.get(HooklineMeterBinder.PENDING).gauge().value();
    meters.get(HooklineMeterBinder.RETRYING).gauge().value();
  }
}
