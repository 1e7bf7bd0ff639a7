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
import dev.hookline.testing.Poll;
import dev.hookline.testing.TestWebhooks;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * One application instance as the multi-instance tests see it: its own connection pool, store,
 * registry and started dispatcher (with a scheduler and workers the test owns, so that a crash can
 * stop its claim loop and attempts without {@code close()}). Instances are built one at a time.
 */
final class Instance implements AutoCloseable {
  static final Duration LEASE = Duration.ofSeconds(30);
  static final String API_KEY = "test-api-key-0123456789";

  /** The name {@code WebhookChangeFeed} gives its thread. */
  private static final String FEED_THREAD = "hookline-webhook-changes";

  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final String name = "instance-" + INSTANCES.incrementAndGet();

  /**
   * The threads that claim, send and listen for this instance: its scheduler's, its workers' and
   * its change feed's. A crash ends them all.
   */
  private final List<Thread> threads = new CopyOnWriteArrayList<>();

  final SimpleConnectionPool pool;
  final Store store;
  final WebhookRegistry registry;
  final ScheduledExecutorService scheduler;

  /** Runs the attempts, so that a crash can stop them too. */
  final ExecutorService workers = Executors.newCachedThreadPool(recorded("worker"));

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
    this(pool, store, clock, workers, perEndpoint, attemptTimeout, Duration.ofSeconds(30));
  }

  /** One whose dispatcher reloads every webhook every {@code webhookReload} (by default 30 s). */
  Instance(
      SimpleConnectionPool pool,
      Store store,
      Clock clock,
      int workers,
      int perEndpoint,
      Duration attemptTimeout,
      Duration webhookReload) {
    this.pool = pool;
    this.store = store;
    this.registry =
        WebhookRegistry.builder()
            .store(store)
            .clock(clock)
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    this.scheduler = Executors.newSingleThreadScheduledExecutor(recorded("scheduler"));
    Set<Thread> feedsBefore = feedThreads();
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
            .webhookReloadInterval(webhookReload)
            .listener(
                new DeliveryListener() {
                  @Override
                  public void attemptSucceeded(Delivery delivery, Attempt attempt) {
                    succeeded.incrementAndGet();
                  }
                })
            .build()
            .start();
    // start() started the change feed's thread: the one that was not running before.
    Set<Thread> feeds = feedThreads();
    feeds.removeAll(feedsBefore);
    threads.addAll(feeds);
  }

  private ThreadFactory recorded(String role) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + role + "-" + n.incrementAndGet());
      threads.add(t);
      return t;
    };
  }

  private static Set<Thread> feedThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals(FEED_THREAD))
        .collect(Collectors.toSet());
  }

  /** This instance's claiming, sending and listening threads still running, with their stacks. */
  private List<String> running() {
    return threads.stream()
        .filter(Thread::isAlive)
        .map(t -> t.getName() + " " + Arrays.toString(t.getStackTrace()))
        .toList();
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
   * Simulates a crash: every database connection is gone and the claim loop, the attempts and the
   * change feed stop, without {@code close()}, so nothing is released: attempts in flight are cut
   * off (their requests may have reached the endpoint), the deliveries claimed but not yet started
   * never go out, and nothing can be recorded. Returns once none of those threads runs (as after a
   * kill), so that nothing of this instance claims, sends or listens beside the next one.
   *
   * @throws AssertionError if one of them still runs 10 s after the crash
   */
  void crash() {
    // The database goes first, so that nothing the stopping threads try is written (an attempt cut
    // off releases its delivery, which a real crash never does).
    pool.close();
    scheduler.shutdownNow();
    workers.shutdownNow(); // attempts in flight are cut off; none starts
    // The change feed, having lost its connection, would try the closed pool again and again (from
    // 1 s to 30 s apart) until close(). Interrupted, its wait ends and the thread with it; unlike
    // close(), that tells the dispatcher nothing.
    threads.stream().filter(t -> t.getName().equals(FEED_THREAD)).forEach(Thread::interrupt);
    Poll.until(
        Duration.ofSeconds(10),
        () -> threads.stream().noneMatch(Thread::isAlive),
        () -> name + " still runs after its crash: " + running());
  }

  @Override
  public void close() {
    dispatcher.close();
    scheduler.shutdownNow();
    workers.shutdownNow();
    pool.close();
  }
}
