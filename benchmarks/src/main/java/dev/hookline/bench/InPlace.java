package dev.hookline.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Delivery;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.AttemptObserver;
import dev.hookline.delivery.AttemptResult;
import dev.hookline.delivery.internal.ObservedAttempt;
import dev.hookline.filter.Filters;
import dev.hookline.micrometer.HooklineObservations;
import dev.hookline.otel.HooklineTelemetry;
import dev.hookline.store.InMemoryStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The observers' cost per attempt as the dispatcher meets it, outside the HTTP exchange: {@code
 * threads} threads each call {@code beforeAttempt} and {@code afterAttempt} on the dispatcher's own
 * {@link ObservedAttempt}, for distinct deliveries with distinct publish contexts, and between the
 * calls each walks {@code polluteKib} KiB of its own memory, as the HTTP exchange and the other
 * workers do to the caches in the load harness. Spans are exported through the OTLP marshaller, as
 * in {@code load-observability}. Reports the thread CPU inside the observer calls (it includes
 * reading the thread CPU clock: compare with {@code noop}), the span processor thread's CPU, and
 * the heap all threads allocated, per attempt.
 */
final class InPlace {
  private InPlace() {}

  static void run(String variant, int threads, int attempts, int polluteKib)
      throws InterruptedException {
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(new InMemoryStore())
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    Webhook w =
        registry.create(
            WebhookDefinition.builder()
                .name("bench")
                .uri("http://127.0.0.1:8080/hook/secret")
                .apiKey("bench-api-key-0123456789")
                .events(UserEvents.UPDATED)
                .build());
    Event e =
        Event.builder(UserEvents.UPDATED)
            .user("u1")
            .occurredAt(Instant.parse("2026-11-29T00:00:00Z"))
            .data(JsonNodeFactory.instance.objectNode().put("a", 1))
            .build();
    SplittableRandom random = new SplittableRandom(1);
    Delivery[] deliveries = new Delivery[8192];
    for (int i = 0; i < deliveries.length; i++) {
      String traceparent =
          String.format(
              Locale.ROOT,
              "00-%016x%016x-%016x-01",
              random.nextLong(),
              random.nextLong(),
              random.nextLong() | 1);
      deliveries[i] =
          Delivery.pending("dlv_" + i, w.id(), e, Instant.parse("2026-11-29T00:00:00Z"))
              .withPublishContext(Optional.of(traceparent));
    }
    AtomicLong exported = new AtomicLong();
    MeterRegistry meters = new SimpleMeterRegistry();
    ObservationRegistry observations = ObservationRegistry.create();
    observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
    SdkTracerProvider tracerProvider =
        SdkTracerProvider.builder()
            .addSpanProcessor(
                BatchSpanProcessor.builder(
                        new ObservabilityOverhead.OtlpMarshallingExporter(exported))
                    .build())
            .build();
    OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(tracerProvider).build();
    AttemptObserver micrometer = HooklineObservations.builder(observations, meters).build();
    AttemptObserver otel = HooklineTelemetry.builder(sdk).build();
    AttemptObserver observer =
        switch (variant) {
          case "noop" -> request -> AttemptObserver.Scope.none();
          case "micrometer" -> micrometer;
          case "opentelemetry" -> otel;
          case "both" -> AttemptObserver.composite(List.of(micrometer, otel));
          case "floor" -> new LibraryFloor(observations, sdk);
          case "floor-micrometer" -> new LibraryFloor(observations, sdk, true, false);
          case "floor-opentelemetry" -> new LibraryFloor(observations, sdk, false, true);
          default ->
              throw new IllegalArgumentException(
                  "variant: noop, micrometer, opentelemetry, both, floor, floor-micrometer or floor-opentelemetry");
        };
    AttemptResult result =
        new AttemptResult(
            AttemptResult.Outcome.SUCCEEDED,
            OptionalInt.of(200),
            Optional.empty(),
            Duration.ofMillis(3),
            Optional.empty(),
            false);
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    int perThread = Math.max(1, attempts / threads);
    for (int pass = 0; pass < 2; pass++) { // the first warms up
      int n = pass == 0 ? Math.max(1, perThread / 2) : perThread;
      LongAdder cpu = new LongAdder();
      CountDownLatch done = new CountDownLatch(threads);
      long exportedBefore = exported.get();
      long exportCpuBefore = exportCpu(mx);
      long allocBefore = allocatedBytes();
      for (int t = 0; t < threads; t++) {
        int first = t;
        Thread worker =
            new Thread(
                () -> {
                  byte[] pollute = new byte[Math.max(64, polluteKib * 1024)];
                  long c = 0;
                  for (int i = 0; i < n; i++) {
                    Delivery d = deliveries[(i * threads + first) & (deliveries.length - 1)];
                    ObservedAttempt request = new ObservedAttempt(d, w, 1);
                    walk(pollute, polluteKib, 0);
                    long c0 = mx.getCurrentThreadCpuTime();
                    AttemptObserver.Scope scope = observer.beforeAttempt(request);
                    long c1 = mx.getCurrentThreadCpuTime();
                    walk(pollute, polluteKib, 32);
                    long c2 = mx.getCurrentThreadCpuTime();
                    scope.afterAttempt(result);
                    c += (c1 - c0) + (mx.getCurrentThreadCpuTime() - c2);
                  }
                  cpu.add(c);
                  done.countDown();
                },
                "in-place-" + t);
        worker.start();
      }
      done.await();
      tracerProvider.forceFlush().join(10, TimeUnit.SECONDS);
      long total = (long) n * threads;
      if (pass == 1) {
        System.out.printf(
            Locale.ROOT,
            "%-13s %d threads, %,d KiB walked: observer calls %.2f us, span export %.2f us,"
                + " %,d B heap per attempt (%,d spans exported)%n",
            variant,
            threads,
            polluteKib,
            cpu.sum() / 1e3 / total,
            (exportCpu(mx) - exportCpuBefore) / 1e3 / total,
            (allocatedBytes() - allocBefore) / total,
            exported.get() - exportedBefore);
      }
    }
    sdk.close();
  }

  // Written so that the JIT cannot drop the walk; never read.
  @SuppressWarnings("UnusedVariable")
  private static volatile int sink;

  /** Touches one byte per cache line of {@code memory}, pushing the observers' data out. */
  private static void walk(byte[] memory, int kib, int offset) {
    if (kib == 0) {
      return;
    }
    int s = 0;
    for (int i = offset; i < memory.length; i += 64) {
      memory[i]++;
      s += memory[i];
    }
    sink = s;
  }

  private static long exportCpu(ThreadMXBean mx) {
    long sum = 0;
    for (ThreadInfo ti : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (ti != null && ti.getThreadName().startsWith("BatchSpanProcessor")) {
        sum += Math.max(0, mx.getThreadCpuTime(ti.getThreadId()));
      }
    }
    return sum;
  }

  /** Bytes of heap all threads have allocated so far; 0 where the JVM cannot tell. */
  private static long allocatedBytes() {
    try {
      Object value =
          ManagementFactory.getPlatformMBeanServer()
              .getAttribute(
                  new javax.management.ObjectName(ManagementFactory.THREAD_MXBEAN_NAME),
                  "TotalThreadAllocatedBytes");
      return value instanceof Long l ? Math.max(0, l) : 0;
    } catch (javax.management.JMException | RuntimeException ex) {
      return 0;
    }
  }
}
