package dev.hookline.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.filter.Filters;
import dev.hookline.spi.Store;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.store.InMemoryStore;
import dev.hookline.store.jdbc.PostgresStore;
import dev.hookline.testing.LoopbackSink;
import dev.hookline.testing.TestWebhooks;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * End-to-end load harness: publish and delivery through a real {@link Dispatcher} to a loopback
 * sink, once over the {@link InMemoryStore} and once over the {@link PostgresStore} (on an embedded
 * PostgreSQL it starts itself), in the same run and with the same settings.
 *
 * <p>Two phases per store, after a warm-up: a <b>burst</b> (publish N events in batches of 100 as
 * fast as possible, then time until the last one arrives: deliveries per second) and a <b>paced</b>
 * phase (one event every 1/R s for S seconds: publish-to-arrival latency p50/p99/max, measured from
 * just before {@code publish} to the sink's receipt of the request).
 *
 * <p>Run from the repository root:
 *
 * <pre>
 *   benchmarks/run-pg-load [burst=20000] [rate=200] [seconds=10]
 * </pre>
 */
public final class PgLoadHarness {
  private static final int WORKERS = 16;
  private static final int BATCH = 100;
  private static final Duration MAX_WAIT = Duration.ofMinutes(3);

  private PgLoadHarness() {}

  /**
   * Runs the harness.
   *
   * @param args optional: burst size, paced rate (events/s), paced duration (s)
   * @throws Exception if the database or the sink cannot start
   */
  public static void main(String[] args) throws Exception {
    int burst = arg(args, 0, 20_000);
    int rate = arg(args, 1, 200);
    int seconds = arg(args, 2, 10);
    System.out.printf(
        Locale.ROOT,
        "Hookline load harness: %d cores, %d workers, burst %d events, paced %d/s for %d s%n",
        Runtime.getRuntime().availableProcessors(),
        WORKERS,
        burst,
        rate,
        seconds);
    List<String> rows = new ArrayList<>();
    rows.add(run("in-memory", new InMemoryStore(), burst, rate, seconds));
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
        SimpleConnectionPool pool =
            SimpleConnectionPool.of(pg.getPostgresDatabase(), WORKERS + 8)) {
      byte[] key = new byte[32];
      new SecureRandom().nextBytes(key);
      PostgresStore store =
          PostgresStore.builder(pool)
              .secretCipher(AesGcmSecretCipher.builder().primaryKey("bench", key).build())
              .build();
      rows.add(run("postgresql", store, burst, rate, seconds));
    }
    System.out.println();
    System.out.println("store        deliveries/s   p50 ms   p99 ms   max ms");
    rows.forEach(System.out::println);
  }

  private static int arg(String[] args, int i, int fallback) {
    return args.length > i ? Integer.parseInt(args[i]) : fallback;
  }

  private static String run(String label, Store store, int burst, int rate, int seconds)
      throws Exception {
    ConcurrentHashMap<String, Long> publishedAt = new ConcurrentHashMap<>();
    AtomicInteger arrivals = new AtomicInteger();
    AtomicInteger duplicates = new AtomicInteger();
    LatencyLog latencies = new LatencyLog();
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(store)
            .clock(Clock.systemUTC())
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    try (LoopbackSink sink =
            LoopbackSink.reporting(
                id -> {
                  Long at = publishedAt.remove(id);
                  if (at == null) {
                    duplicates.incrementAndGet();
                  } else {
                    latencies.add(System.nanoTime() - at);
                    arrivals.incrementAndGet();
                  }
                });
        Dispatcher dispatcher =
            Dispatcher.builder()
                .registry(registry)
                .workers(WORKERS)
                .perEndpointConcurrency(WORKERS)
                .pollInterval(Duration.ofMillis(100))
                .build()
                .start()) {
      Webhook w =
          registry.create(
              WebhookDefinition.builder()
                  .name("bench sink")
                  .uri(sink.uri("/hook"))
                  .apiKey("bench-api-key-0123456789")
                  .events(UserEvents.CREATED)
                  .build());
      TestWebhooks.markVerified(registry, w.id());
      registry.enable(w.id());
      AtomicLong seq = new AtomicLong();

      // Warm-up: JIT, connections, the sink's threads.
      burst(dispatcher, label, seq, publishedAt, 2_000);
      await(() -> arrivals.get() == 2_000, label + " warm-up");

      arrivals.set(0);
      long start = System.nanoTime();
      burst(dispatcher, label, seq, publishedAt, burst);
      await(() -> arrivals.get() == burst, label + " burst");
      double perSecond = burst / ((System.nanoTime() - start) / 1e9);

      arrivals.set(0);
      latencies.clear();
      int paced = rate * seconds;
      ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
      AtomicInteger sent = new AtomicInteger();
      try {
        ScheduledFuture<?> ticking =
            ticker.scheduleAtFixedRate(
                () -> {
                  if (sent.get() < paced) {
                    Event e = event(label, seq);
                    publishedAt.put(e.id(), System.nanoTime());
                    dispatcher.publish(e);
                    sent.incrementAndGet();
                  }
                },
                0,
                1_000_000_000L / rate,
                TimeUnit.NANOSECONDS);
        await(
            () -> {
              if (ticking.isDone() && sent.get() < paced) {
                throw new IllegalStateException(label + ": publishing stopped early");
              }
              return arrivals.get() == paced;
            },
            label + " paced");
        ticking.cancel(false);
      } finally {
        ticker.shutdownNow();
      }
      long[] l = latencies.sorted();
      System.out.printf(
          Locale.ROOT, "%s: done (%d duplicates, expected 0)%n", label, duplicates.get());
      return String.format(
          Locale.ROOT,
          "%-12s %12.0f %8.1f %8.1f %8.1f",
          label,
          perSecond,
          millis(l, 0.50),
          millis(l, 0.99),
          l.length == 0 ? 0.0 : l[l.length - 1] / 1e6);
    }
  }

  private static void burst(
      Dispatcher dispatcher,
      String label,
      AtomicLong seq,
      ConcurrentHashMap<String, Long> publishedAt,
      int count) {
    List<Event> batch = new ArrayList<>(BATCH);
    for (int i = 0; i < count; i++) {
      batch.add(event(label, seq));
      if (batch.size() == BATCH || i == count - 1) {
        long now = System.nanoTime();
        for (Event e : batch) {
          publishedAt.put(e.id(), now);
        }
        dispatcher.publish(batch);
        batch = new ArrayList<>(BATCH);
      }
    }
  }

  private static Event event(String label, AtomicLong seq) {
    long n = seq.incrementAndGet();
    return Event.builder(UserEvents.CREATED)
        .id("evt_" + label.replace('-', '_') + "_" + n)
        .occurredAt(Clock.systemUTC().instant())
        .user("user-" + n)
        .data(JsonNodeFactory.instance.objectNode().put("n", n).put("email", "u@example.com"))
        .build();
  }

  private static double millis(long[] sorted, double quantile) {
    if (sorted.length == 0) {
      return 0.0;
    }
    int i = (int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1);
    return sorted[Math.max(0, i)] / 1e6;
  }

  private static void await(BooleanSupplier done, String what) {
    long deadline = System.nanoTime() + MAX_WAIT.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(what + " did not finish within " + MAX_WAIT);
      }
      LockSupport.parkNanos(Duration.ofMillis(2).toNanos());
    }
  }

  /** Latencies in nanoseconds, appended from the sink's threads. */
  private static final class LatencyLog {
    private long[] values = new long[1024];
    private int size;

    synchronized void add(long nanos) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = nanos;
    }

    synchronized void clear() {
      size = 0;
    }

    synchronized long[] sorted() {
      long[] copy = Arrays.copyOf(values, size);
      Arrays.sort(copy);
      return copy;
    }
  }
}
