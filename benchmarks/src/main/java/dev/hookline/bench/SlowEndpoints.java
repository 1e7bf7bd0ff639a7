package dev.hookline.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.DeliveryListener;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.filter.Filters;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.TestWebhooks;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * Slow endpoints: many webhooks whose endpoints each answer after {@code delay ± 20%}, delivered by
 * Hookline at <em>default</em> dispatcher settings, side by side with raw {@code
 * HttpClient.sendAsync} keeping the same number of requests in flight over the same endpoints. Run
 * with {@code benchmarks/slow-endpoints} (add {@code --java /path/to/jdk} for another JDK).
 *
 * <p>The sink ({@link SlowEndpointSink}) answers on one non-blocking thread, in a JVM of its own
 * unless {@code --in-process-sink} is given. Its capacity is measured first (no delay, cheap socket
 * clients) and must be far above the rate the delayed run can reach ({@code inFlight / delay});
 * each phase also reports how late the sink answered at worst, which stays small while the sink
 * (and the machine) keep up.
 *
 * <p>The phases are reusable: {@link #raw} and {@link #hookline} take the sink and sizes and return
 * a {@link Result}; {@code hookline} takes a function that may change the dispatcher's settings
 * (the identity for defaults).
 */
public final class SlowEndpoints {
  private SlowEndpoints() {}

  /** One phase's outcome; {@code peakInFlight} is the most requests the sink held at once. */
  record Result(
      long done,
      long errors,
      double seconds,
      long cpuNanos,
      long peakInFlight,
      long sinkLateNanos) {
    double perSecond() {
      return done / seconds;
    }

    double cpuMicrosPer() {
      return cpuNanos / 1e3 / Math.max(1, done);
    }
  }

  /**
   * Runs the comparison.
   *
   * @param args {@code --endpoints N} (1000), {@code --events N} per endpoint (10), {@code
   *     --delay-ms N} (500), {@code --in-flight N} for raw (1000: the dispatcher's default), {@code
   *     --rounds N} (3), {@code --body-bytes N} (1024), {@code --in-process-sink}, {@code
   *     --also-platform} (a third run per round with {@code virtualThreads(false)}), and to explore
   *     non-defaults: {@code --workers N}, {@code --virtual true|false}
   * @throws Exception if a phase fails
   */
  public static void main(String[] args) throws Exception {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"); // 1,000 creations
    }
    int endpoints = intArg(args, "--endpoints", 1000);
    int events = intArg(args, "--events", 10);
    int delayMs = intArg(args, "--delay-ms", 500);
    int inFlight = intArg(args, "--in-flight", 1000);
    int rounds = Math.max(1, intArg(args, "--rounds", 3));
    int bodyBytes = intArg(args, "--body-bytes", 1024);
    int workers = intArg(args, "--workers", 0);
    String virtual = stringArg(args, "--virtual", "");
    UnaryOperator<Dispatcher.Builder> settings =
        b -> {
          if (workers > 0) {
            b.workers(workers);
          }
          if (!virtual.isEmpty()) {
            b.virtualThreads(Boolean.parseBoolean(virtual));
          }
          return b;
        };
    String described =
        (workers > 0 ? "workers=" + workers + " " : "")
            + (virtual.isEmpty() ? "" : "virtualThreads=" + virtual + " ");
    System.out.printf(
        Locale.ROOT,
        "Slow endpoints: %d cores, JDK %s, %d endpoints x %d events, %d ms +-20%%, raw in flight"
            + " %d, Hookline %s%n",
        Runtime.getRuntime().availableProcessors(),
        Runtime.version(),
        endpoints,
        events,
        delayMs,
        inFlight,
        described.isEmpty() ? "at default settings" : described.trim());

    byte[] body = LoadHarness.jsonBody(bodyBytes);
    double capacity = SlowEndpointSink.capacity(8, Duration.ofSeconds(3));
    System.out.printf(
        Locale.ROOT,
        "sink capacity: %,.0f req/s with no delay (8 socket clients); the delayed run needs at"
            + " most %,.0f/s; each phase below reports how late the sink answered at worst%n",
        capacity,
        inFlight * 1000.0 / delayMs);
    boolean inProcess = Arrays.asList(args).contains("--in-process-sink");
    try (SlowSink sink =
        inProcess
            ? SlowEndpointSink.start(Duration.ofMillis(delayMs), 0.2)
            : SlowSink.separateProcess(Duration.ofMillis(delayMs), 0.2)) {
      int total = endpoints * events;
      // Warm-up of both, smaller.
      raw(sink, endpoints, Math.min(total, endpoints * 2), inFlight, body);
      hookline(sink, endpoints, Math.min(events, 2), bodyBytes, settings);
      List<Double> rawRates = new ArrayList<>();
      List<Double> hookRates = new ArrayList<>();
      List<Double> ratios = new ArrayList<>();
      List<Double> platformRatios = new ArrayList<>();
      boolean alsoPlatform = Arrays.asList(args).contains("--also-platform");
      for (int round = 1; round <= rounds; round++) {
        Result r = raw(sink, endpoints, total, inFlight, body);
        Result h = hookline(sink, endpoints, events, bodyBytes, settings);
        rawRates.add(r.perSecond());
        hookRates.add(h.perSecond());
        ratios.add(h.perSecond() / r.perSecond());
        System.out.printf(
            Locale.ROOT,
            "round %d: raw sendAsync %,.0f req/s (%.0f us CPU, peak %d in flight, %d errors, sink"
                + " late <= %d ms); Hookline %,.0f deliveries/s (%.0f us CPU, peak %d in flight, %d"
                + " failed attempts, sink late <= %d ms); ratio %.2f%n",
            round,
            r.perSecond(),
            r.cpuMicrosPer(),
            r.peakInFlight(),
            r.errors(),
            r.sinkLateNanos() / 1_000_000,
            h.perSecond(),
            h.cpuMicrosPer(),
            h.peakInFlight(),
            h.errors(),
            h.sinkLateNanos() / 1_000_000,
            h.perSecond() / r.perSecond());
        if (alsoPlatform) {
          Result p =
              hookline(
                  sink, endpoints, events, bodyBytes, b -> settings.apply(b).virtualThreads(false));
          platformRatios.add(p.perSecond() / r.perSecond());
          System.out.printf(
              Locale.ROOT,
              "         Hookline on platform threads %,.0f deliveries/s (%.0f us CPU, %d failed"
                  + " attempts, sink late <= %d ms); ratio %.2f%n",
              p.perSecond(),
              p.cpuMicrosPer(),
              p.errors(),
              p.sinkLateNanos() / 1_000_000,
              p.perSecond() / r.perSecond());
        }
      }
      if (alsoPlatform) {
        System.out.printf(
            Locale.ROOT,
            "median ratio with platform threads: %.2f%n",
            LoadHarness.median(platformRatios));
      }
      System.out.printf(
          Locale.ROOT,
          "median: raw sendAsync %,.0f req/s, Hookline %,.0f deliveries/s, ratio %.2f (target >="
              + " 0.9)%n",
          LoadHarness.median(rawRates),
          LoadHarness.median(hookRates),
          LoadHarness.median(ratios));
    }
  }

  /**
   * Raw {@code sendAsync}: keeps {@code inFlight} requests outstanding until {@code total} are
   * answered, spread round-robin over {@code endpoints} paths of the sink.
   */
  static Result raw(SlowSink sink, int endpoints, int total, int inFlight, byte[] body)
      throws InterruptedException {
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(3))
            .build();
    HttpRequest[] requests = new HttpRequest[endpoints];
    for (int i = 0; i < endpoints; i++) {
      requests[i] =
          HttpRequest.newBuilder(URI.create(sink.url("/e/" + i)))
              .timeout(Duration.ofSeconds(10))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofByteArray(body))
              .build();
    }
    AtomicInteger issued = new AtomicInteger();
    AtomicLong done = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    CountDownLatch all = new CountDownLatch(1);
    Runnable[] next = new Runnable[1];
    next[0] =
        () -> {
          int i = issued.getAndIncrement();
          if (i >= total) {
            return;
          }
          var unused =
              client
                  .sendAsync(requests[i % endpoints], HttpResponse.BodyHandlers.discarding())
                  .whenComplete(
                      (response, failure) -> {
                        if (failure == null && response.statusCode() / 100 == 2) {
                          done.incrementAndGet();
                        } else {
                          errors.incrementAndGet();
                        }
                        if (done.get() + errors.get() >= total) {
                          all.countDown();
                        }
                        next[0].run();
                      });
        };
    return measure(
        sink,
        () -> {
          for (int i = 0; i < Math.min(inFlight, total); i++) {
            next[0].run();
          }
          await(all, total, sink);
          return new long[] {done.get(), errors.get()};
        });
  }

  /**
   * Hookline on an in-memory store: {@code endpoints} verified webhooks on the sink, {@code events}
   * events published at once, each to every webhook; timed from the first publish until every
   * delivery succeeded.
   */
  static Result hookline(
      SlowSink sink,
      int endpoints,
      int events,
      int bodyBytes,
      UnaryOperator<Dispatcher.Builder> settings)
      throws InterruptedException {
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(new InMemoryStore())
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    for (int i = 0; i < endpoints; i++) {
      Webhook w =
          registry.create(
              WebhookDefinition.builder()
                  .name("slow " + i)
                  .uri(sink.url("/e/" + i))
                  .apiKey("slow-endpoints-api-key-0123456789")
                  .events(UserEvents.UPDATED)
                  .build());
      TestWebhooks.markVerified(registry, w.id());
      registry.enable(w.id());
    }
    int total = endpoints * events;
    AtomicLong delivered = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    CountDownLatch all = new CountDownLatch(1);
    DeliveryListener count =
        new DeliveryListener() {
          @Override
          public void attemptSucceeded(Delivery d, Attempt a) {
            if (delivered.incrementAndGet() == total) {
              all.countDown();
            }
          }

          @Override
          public void attemptFailed(Delivery d, Attempt a, Optional<Instant> next) {
            failed.incrementAndGet();
          }
        };
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("pad", "x".repeat(Math.max(0, bodyBytes - 140)));
    try (Dispatcher dispatcher =
        settings.apply(Dispatcher.builder()).registry(registry).listener(count).build().start()) {
      return measure(
          sink,
          () -> {
            for (int e = 0; e < events; e++) {
              dispatcher.publish(
                  Event.builder(UserEvents.UPDATED)
                      .user("usr_slow")
                      .occurredAt(Instant.now())
                      .data(data)
                      .build());
            }
            await(all, total, sink);
            return new long[] {delivered.get(), failed.get()};
          });
    }
  }

  private interface Phase {
    long[] run() throws InterruptedException;
  }

  /** Times a phase, its process CPU, and samples the sink's requests in flight every 20 ms. */
  private static Result measure(SlowSink sink, Phase phase) throws InterruptedException {
    AtomicLong peak = new AtomicLong();
    long[] before = sink.counts(); // requests a closed client left unanswered are not this phase's
    long carried = before[0] - before[1];
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    var unused =
        sampler.scheduleAtFixedRate(
            () -> {
              long[] c = sink.counts();
              peak.accumulateAndGet(c[0] - c[1] - carried, Math::max);
            },
            0,
            20,
            TimeUnit.MILLISECONDS);
    try {
      long cpu0 = ProcessCpu.nanos();
      long t0 = System.nanoTime();
      sink.takeMaxLateNanos();
      long[] counts = phase.run();
      double seconds = (System.nanoTime() - t0) / 1e9;
      long cpu = ProcessCpu.nanos() - cpu0;
      return new Result(counts[0], counts[1], seconds, cpu, peak.get(), sink.takeMaxLateNanos());
    } finally {
      sampler.shutdownNow();
    }
  }

  private static void await(CountDownLatch all, int total, SlowSink sink)
      throws InterruptedException {
    long boundSeconds = 60 + total / 10L; // slow, but never stuck: at least 10 per second
    if (!all.await(boundSeconds, TimeUnit.SECONDS)) {
      throw new IllegalStateException("not done within " + boundSeconds + " s: " + sink);
    }
  }

  private static int intArg(String[] args, String name, int def) {
    return Integer.parseInt(stringArg(args, name, Integer.toString(def)));
  }

  private static String stringArg(String[] args, String name, String def) {
    int i = Arrays.asList(args).indexOf(name);
    return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
  }
}
