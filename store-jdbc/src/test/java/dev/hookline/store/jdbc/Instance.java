package dev.hookline.store.jdbc;

import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.DeliveryListener;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.RetrySchedule;
import dev.hookline.filter.Filters;
import dev.hookline.spi.Store;
import dev.hookline.testing.TestWebhooks;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One application instance as the multi-instance tests see it: its own connection pool, store,
 * registry and started dispatcher (with a scheduler the test owns, so that a crash can stop its
 * claim loop without {@code close()}).
 */
final class Instance implements AutoCloseable {
  static final Duration LEASE = Duration.ofSeconds(30);
  static final String API_KEY = "test-api-key-0123456789";

  final SimpleConnectionPool pool;
  final Store store;
  final WebhookRegistry registry;
  final ScheduledExecutorService scheduler;

  /** Runs the attempts, so that a crash can stop them too. */
  final ExecutorService workers = Executors.newCachedThreadPool();

  final Dispatcher dispatcher;
  final AtomicInteger succeeded = new AtomicInteger();

  Instance(SimpleConnectionPool pool, Store store, Clock clock, int workers) {
    this(pool, store, clock, workers, workers);
  }

  Instance(SimpleConnectionPool pool, Store store, Clock clock, int workers, int perEndpoint) {
    this(pool, store, clock, workers, perEndpoint, Duration.ofSeconds(5));
  }

  Instance(
      SimpleConnectionPool pool,
      Store store,
      Clock clock,
      int workers,
      int perEndpoint,
      Duration attemptTimeout) {
    this.pool = pool;
    this.store = store;
    this.registry =
        WebhookRegistry.builder()
            .store(store)
            .clock(clock)
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    this.scheduler = Executors.newSingleThreadScheduledExecutor();
    this.dispatcher =
        Dispatcher.builder()
            .registry(registry)
            .clock(clock)
            .scheduler(scheduler)
            .workerExecutor(this.workers)
            .workers(workers)
            .perEndpointConcurrency(perEndpoint)
            .pollInterval(Duration.ofMillis(50))
            .leaseDuration(LEASE)
            .jitter(() -> 0.5)
            .retrySchedule(RetrySchedule.builder().attemptTimeout(attemptTimeout).build())
            .shutdownTimeout(Duration.ofSeconds(2))
            .listener(
                new DeliveryListener() {
                  @Override
                  public void attemptSucceeded(Delivery delivery, Attempt attempt) {
                    succeeded.incrementAndGet();
                  }
                })
            .build()
            .start();
  }

  /** Registers a verified, enabled webhook for {@code user.created} through this instance. */
  Webhook receivingWebhook(String uri) {
    Webhook w =
        registry.create(
            WebhookDefinition.builder()
                .name("sink " + uri)
                .uri(uri)
                .apiKey(API_KEY)
                .events(dev.hookline.UserEvents.CREATED)
                .build());
    TestWebhooks.markVerified(registry, w.id());
    return registry.enable(w.id());
  }

  /**
   * Simulates a crash: the claim loop and the attempts stop and every database connection is gone,
   * without {@code close()}, so nothing is released: attempts in flight are cut off (their requests
   * may have reached the endpoint), the deliveries claimed but not yet started never go out, and
   * nothing can be recorded.
   */
  void crash() {
    // The database goes first, so that nothing the stopping threads try is written (an attempt cut
    // off releases its delivery, which a real crash never does).
    pool.close();
    scheduler.shutdownNow();
    workers.shutdownNow(); // attempts in flight are cut off; none starts
  }

  @Override
  public void close() {
    dispatcher.close();
    scheduler.shutdownNow();
    workers.shutdownNow();
    pool.close();
  }
}
