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
 * Review r146: the refresh interval was measured from the time a Store read <em>started</em>. A
 * read that takes as long as the interval (PostgreSQL down: the pool waits its connection timeout,
 * 30 s by default, as long as the default refresh) left counts that were already stale when they
 * came, so the next gauge read asked the Store again at once: while the database was down, every
 * scrape held a thread for the whole timeout and the failing Store was asked back to back, not "at
 * most once per refresh". Likewise a slow count that succeeds.
 */
class GaugeLongReadReviewTest {

  private static final Duration REFRESH = Duration.ofSeconds(30);

  @Test
  void aFailedReadAsLongAsTheRefreshIsNotAskedAgainAtTheNextScrape() {
    ManualClock clock = ManualClock.at(Instant.parse("2026-12-03T10:00:00Z"));
    AtomicBoolean down = new AtomicBoolean();
    AtomicInteger counts = new AtomicInteger();
    Store store =
        GaugeFixtures.countWatching(
            new InMemoryStore(),
            () -> {
              counts.incrementAndGet();
              if (down.get()) {
                clock.advance(REFRESH); // the pool's connection timeout
                throw new IllegalStateException("connection is not available, timed out");
              }
            });
    WebhookRegistry registry = GaugeFixtures.registryWithOneWebhook(store, clock, "down");
    try (Dispatcher d = Dispatcher.builder().registry(registry).clock(clock).build()) {
      d.reloadWebhooks();
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      HooklineMeterBinder.of(d, clock, REFRESH).bindTo(meters);
      assertEquals(0.0, pending(meters));

      clock.advance(REFRESH.plusSeconds(1));
      down.set(true);
      counts.set(0);
      assertTrue(Double.isNaN(pending(meters)), "the failed read: NaN");
      assertEquals(1, counts.get());

      clock.advance(Duration.ofSeconds(15)); // the next scrape, 15 s after the read failed
      assertTrue(Double.isNaN(pending(meters)));
      assertTrue(Double.isNaN(meters.get(HooklineMeterBinder.RETRYING).gauge().value()));
      assertEquals(
          1,
          counts.get(),
          "a scrape 15 s after a failed read asked the failing Store again (and waited its"
              + " timeout): the refresh counted from when that read started");

      clock.advance(Duration.ofSeconds(16)); // 31 s after the failure: asked again
      assertTrue(Double.isNaN(pending(meters)));
      assertEquals(2, counts.get());
    }
  }

  @Test
  void countsThatTookAsLongAsTheRefreshAreKeptForTheRefreshAfterTheyCame() {
    ManualClock clock = ManualClock.at(Instant.parse("2026-12-03T10:00:00Z"));
    AtomicBoolean slow = new AtomicBoolean();
    AtomicInteger counts = new AtomicInteger();
    Store store =
        GaugeFixtures.countWatching(
            new InMemoryStore(),
            () -> {
              counts.incrementAndGet();
              if (slow.get()) {
                clock.advance(REFRESH.plusSeconds(5)); // a count over a large table
              }
            });
    WebhookRegistry registry = GaugeFixtures.registryWithOneWebhook(store, clock, "slow");
    try (Dispatcher d = Dispatcher.builder().registry(registry).clock(clock).build()) {
      d.reloadWebhooks();
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      HooklineMeterBinder.of(d, clock, REFRESH).bindTo(meters);
      slow.set(true);
      counts.set(0);
      assertEquals(0.0, pending(meters));
      assertEquals(0.0, meters.get(HooklineMeterBinder.RETRYING).gauge().value());
      assertEquals(
          1, counts.get(), "the second gauge of a scrape read the Store again after a slow read");
    }
  }

  private static double pending(SimpleMeterRegistry meters) {
    return meters.get(HooklineMeterBinder.PENDING).gauge().value();
  }
}
