package dev.hookline.bench;

import dev.hookline.Event;
import dev.hookline.delivery.AttemptObserver;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.micrometer.HooklineObservations;
import dev.hookline.otel.HooklineTelemetry;
import dev.hookline.store.InMemoryStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.internal.otlp.traces.LowAllocationTraceRequestMarshaler;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The observability overhead, in one run against one loopback nginx sink: Hookline's delivery
 * throughput (in-memory store, publish to delivered) with no observer, with a no-op observer (the
 * cost of the hook itself), and with both hookline-micrometer (Observation API, meter handler, a
 * SimpleMeterRegistry) and hookline-opentelemetry (SDK, every span sampled and batch-exported
 * through the OTLP exporter's own marshaller; the publish span's traceparent captured as the
 * publish context) on. In all three the application traces its own publishes (a span around each
 * publish, exported the same way): that is the application's cost, so the variants differ only by
 * the modules. Each round runs the three, in an order that alternates between rounds, so a noisy
 * neighbour slows all of them; the summary is the median. Run with {@code
 * benchmarks/load-observability}.
 */
public final class ObservabilityOverhead {
  private ObservabilityOverhead() {}

  /**
   * Runs it.
   *
   * @param args {@code --seconds N} (per phase, default 8), {@code --threads N} (default 32),
   *     {@code --rounds N} (default 3), {@code --only off|noop|on} (run that variant alone for
   *     seconds × rounds, after a warm-up: for a profile), {@code --modules
   *     both|micrometer|opentelemetry} (which modules "on" turns on, default both), {@code
   *     --time-observers} (count the thread CPU spent inside the observer's calls in "on"), {@code
   *     --store in-memory|postgresql} (default in-memory; postgresql: each phase on a fresh schema
   *     of one embedded PostgreSQL)
   * @throws Exception if a phase fails
   */
  public static void main(String[] args) throws Exception {
    int seconds = LoadHarness.intArg(args, "--seconds", 8);
    int threads = LoadHarness.intArg(args, "--threads", 32);
    int rounds = Math.max(1, LoadHarness.intArg(args, "--rounds", 3));
    int bodyBytes = 1024;
    String modules = stringArg(args, "--modules", "both");
    boolean timeObservers = List.of(args).contains("--time-observers");
    String storeKind = stringArg(args, "--store", "in-memory");
    if (!List.of("in-memory", "postgresql").contains(storeKind)) {
      throw new IllegalArgumentException("--store takes in-memory or postgresql");
    }
    if (!List.of("both", "micrometer", "opentelemetry").contains(modules)) {
      throw new IllegalArgumentException("--modules takes both, micrometer or opentelemetry");
    }
    String label =
        String.format(Locale.ROOT, "%-20s", modules.equals("both") ? "micrometer + otel" : modules);
    System.out.printf(
        Locale.ROOT,
        "Hookline observability overhead: %d cores, JDK %s, %d-byte bodies, %d threads, %d s per"
            + " phase, %d rounds, modules on: %s, store: %s%n",
        Runtime.getRuntime().availableProcessors(),
        Runtime.version(),
        bodyBytes,
        threads,
        seconds,
        rounds,
        modules,
        storeKind);
    if (!NginxSink.available()) {
      throw new IllegalStateException(
          "nginx is not installed: run benchmarks/load, which installs Debian's nginx-light");
    }
    AtomicLong exported = new AtomicLong();
    Telemetry telemetry = Telemetry.create(exported);
    SdkTracerProvider tracerProvider = telemetry.tracerProvider();
    OpenTelemetrySdk otel = telemetry.otel();
    MeterRegistry meters = telemetry.meters();
    ObservationRegistry observations = telemetry.observations();

    Tracer tracer = otel.getTracer("load");
    // The application's own span around each publish runs in every variant: it is the
    // application's cost, not the modules'. Only "on" captures its traceparent (the module's
    // PublishContextCapturer), so the variants differ by the two modules alone.
    HooklinePhase.Instrumentation plain =
        new HooklinePhase.Instrumentation() {
          @Override
          public Dispatcher.Builder configure(Dispatcher.Builder b) {
            return b;
          }

          @Override
          public void publish(Dispatcher d, Event e) {
            publishInSpan(tracer, d, e);
          }
        };
    HooklinePhase.Instrumentation noop =
        new HooklinePhase.Instrumentation() {
          @Override
          public Dispatcher.Builder configure(Dispatcher.Builder b) {
            return b.attemptObserver(request -> AttemptObserver.Scope.none());
          }

          @Override
          public void publish(Dispatcher d, Event e) {
            publishInSpan(tracer, d, e);
          }
        };
    HooklineTelemetry tracing = HooklineTelemetry.builder(otel).build();
    HooklinePhase.Instrumentation both =
        new HooklinePhase.Instrumentation() {
          @Override
          public Dispatcher.Builder configure(Dispatcher.Builder b) {
            HooklineObservations metrics =
                HooklineObservations.builder(observations, meters).build();
            AttemptObserver observer =
                switch (modules) {
                  case "micrometer" -> metrics;
                  case "opentelemetry" -> tracing;
                  default -> AttemptObserver.composite(List.of(metrics, tracing));
                };
            b.attemptObserver(timeObservers ? timed(observer) : observer);
            return modules.equals("micrometer")
                ? b
                : b.publishContext(tracing.publishContextCapturer());
          }

          @Override
          public void publish(Dispatcher d, Event e) {
            publishInSpan(tracer, d, e);
          }
        };

    try (NginxSink sink = NginxSink.start();
        Postgres pg = storeKind.equals("postgresql") ? Postgres.start() : null) {
      URI target = URI.create(sink.url("/hook"));
      // Each phase on a fresh store: a new in-memory one, or a new schema of the one PostgreSQL.
      PhaseRunner phase =
          (duration, i) -> {
            if (pg == null) {
              return HooklinePhase.run(
                  new InMemoryStore(), target.toString(), bodyBytes, threads, duration, i);
            }
            try (Postgres.Store st = pg.freshStore()) {
              return HooklinePhase.run(
                  st.store(), target.toString(), bodyBytes, threads, duration, i);
            }
          };
      Duration warm = Duration.ofSeconds(Math.max(2, seconds / 2));
      String only = stringArg(args, "--only", "");
      if (!only.isEmpty()) {
        // One variant alone, to profile it (JAVA_OPTS with a flight recording): no ratios.
        HooklinePhase.Instrumentation i =
            switch (only) {
              case "off" -> plain;
              case "noop" -> noop;
              case "on" -> both;
              default -> throw new IllegalArgumentException("--only takes off, noop or on");
            };
        phase.run(warm, i);
        long cpuBefore = ProcessCpu.nanos();
        long allocBefore = allocatedBytes();
        HooklinePhase.Result r = phase.run(Duration.ofSeconds((long) seconds * rounds), i);
        System.out.printf(
            Locale.ROOT,
            "%s alone: %,.0f deliveries/s (%s), %.0f us CPU and %.1f KiB heap per delivery%n",
            only,
            r.perSecond(),
            r.latencies().summary(),
            (ProcessCpu.nanos() - cpuBefore) / 1e3 / Math.max(1, r.delivered()),
            (allocatedBytes() - allocBefore) / 1024.0 / Math.max(1, r.delivered()));
        printObserverCpu();
        return;
      }
      // Until the JIT is quiet (see JitWarmup): a fixed 8 s left the first round at half the
      // later rates, its ratio a measure of the compiler more than of the modules.
      JitWarmup.untilQuiet(
          "off, no-op observer, micrometer + otel, " + warm.toSeconds() + " s each",
          6,
          () -> {
            StringBuilder rates = new StringBuilder();
            for (HooklinePhase.Instrumentation i : List.of(plain, noop, both)) {
              HooklinePhase.Result r = phase.run(warm, i);
              rates.append(rates.length() == 0 ? "" : ", ").append(Math.round(r.perSecond()));
            }
            return rates + " deliveries/s";
          });
      List<Double> off = new ArrayList<>();
      List<Double> hook = new ArrayList<>();
      List<Double> on = new ArrayList<>();
      List<Double> ratios = new ArrayList<>();
      List<Double> offCpu = new ArrayList<>();
      List<Double> hookCpu = new ArrayList<>();
      List<Double> onCpu = new ArrayList<>();
      List<Double> offExport = new ArrayList<>();
      List<Double> onExport = new ArrayList<>();
      List<Double> offAlloc = new ArrayList<>();
      List<Double> hookAlloc = new ArrayList<>();
      List<Double> onAlloc = new ArrayList<>();
      for (int round = 1; round <= rounds; round++) {
        Duration d = Duration.ofSeconds(seconds);
        // The order alternates (off first on odd rounds, last on even ones), so that neither
        // variant always inherits the previous phase's garbage or warmer caches.
        List<HooklinePhase.Instrumentation> order =
            round % 2 == 1 ? List.of(plain, noop, both) : List.of(both, noop, plain);
        java.util.Map<HooklinePhase.Instrumentation, HooklinePhase.Result> results =
            new java.util.HashMap<>();
        java.util.Map<HooklinePhase.Instrumentation, Double> cpu = new java.util.HashMap<>();
        java.util.Map<HooklinePhase.Instrumentation, Double> alloc = new java.util.HashMap<>();
        java.util.Map<HooklinePhase.Instrumentation, Double> export = new java.util.HashMap<>();
        long jitBefore = JitWarmup.compiledMillis();
        for (HooklinePhase.Instrumentation i : order) {
          long cpuBefore = ProcessCpu.nanos();
          long allocBefore = allocatedBytes();
          long exportBefore = exportCpu();
          HooklinePhase.Result r = phase.run(d, i);
          cpu.put(i, (ProcessCpu.nanos() - cpuBefore) / 1e3 / Math.max(1, r.delivered()));
          alloc.put(i, (allocatedBytes() - allocBefore) / 1024.0 / Math.max(1, r.delivered()));
          export.put(i, (exportCpu() - exportBefore) / 1e3 / Math.max(1, r.delivered()));
          results.put(i, r);
        }
        HooklinePhase.Result a = java.util.Objects.requireNonNull(results.get(plain));
        HooklinePhase.Result b = java.util.Objects.requireNonNull(results.get(noop));
        HooklinePhase.Result c = java.util.Objects.requireNonNull(results.get(both));
        off.add(a.perSecond());
        hook.add(b.perSecond());
        on.add(c.perSecond());
        ratios.add(c.perSecond() / a.perSecond());
        offCpu.add(cpu.getOrDefault(plain, 0.0));
        hookCpu.add(cpu.getOrDefault(noop, 0.0));
        onCpu.add(cpu.getOrDefault(both, 0.0));
        offExport.add(export.getOrDefault(plain, 0.0));
        onExport.add(export.getOrDefault(both, 0.0));
        offAlloc.add(alloc.getOrDefault(plain, 0.0));
        hookAlloc.add(alloc.getOrDefault(noop, 0.0));
        onAlloc.add(alloc.getOrDefault(both, 0.0));
        System.out.printf(
            Locale.ROOT,
            "round %d: off %,.0f deliveries/s (%s, %.0f us CPU/delivery) | no-op observer %,.0f"
                + " (%.0f us) | %s %,.0f (%s, %.0f us) | on/off %.2f (JIT compiled %,d ms)%n",
            round,
            a.perSecond(),
            a.latencies().summary(),
            offCpu.get(offCpu.size() - 1),
            b.perSecond(),
            hookCpu.get(hookCpu.size() - 1),
            label.strip(),
            c.perSecond(),
            c.latencies().summary(),
            onCpu.get(onCpu.size() - 1),
            c.perSecond() / a.perSecond(),
            JitWarmup.compiledMillis() - jitBefore);
      }
      tracerProvider.forceFlush().join(10, java.util.concurrent.TimeUnit.SECONDS);
      System.out.printf(
          Locale.ROOT,
          "off                 : %,.0f deliveries/s (median of %d rounds)%n",
          LoadHarness.median(off),
          rounds);
      System.out.printf(
          Locale.ROOT,
          "no-op observer      : %,.0f deliveries/s (median), %.2fx off%n",
          LoadHarness.median(hook),
          LoadHarness.median(hook) / LoadHarness.median(off));
      System.out.printf(
          Locale.ROOT,
          "%s: %,.0f deliveries/s (median), %.2fx off (median of the rounds'"
              + " ratios %.2f; target >= 0.95)%n",
          label,
          LoadHarness.median(on),
          LoadHarness.median(on) / LoadHarness.median(off),
          LoadHarness.median(ratios));
      System.out.printf(
          Locale.ROOT,
          "CPU per delivery    : off %.0f us, no-op observer %.0f us, %s %.0f us"
              + " (medians; this process only, the sink runs apart)%n",
          LoadHarness.median(offCpu),
          LoadHarness.median(hookCpu),
          label.strip(),
          LoadHarness.median(onCpu));
      System.out.printf(
          Locale.ROOT,
          "heap allocated      : off %.1f KiB, no-op observer %.1f KiB, %s %.1f KiB"
              + " per delivery (medians; steadier than CPU, compare within a run)%n",
          LoadHarness.median(offAlloc),
          LoadHarness.median(hookAlloc),
          label.strip(),
          LoadHarness.median(onAlloc));
      System.out.printf(
          Locale.ROOT,
          "span export CPU     : off %.1f us, %s %.1f us per delivery (medians; the batch span"
              + " processor's thread, which marshals the spans)%n",
          LoadHarness.median(offExport),
          label.strip(),
          LoadHarness.median(onExport));
      printObserverCpu();
      System.out.printf(
          Locale.ROOT,
          "spans exported      : %,d; timer %s count %,d%n",
          exported.get(),
          "hookline.delivery.attempts",
          meters.find("hookline.delivery.attempts").timers().stream()
              .mapToLong(t -> t.count())
              .sum());
    } finally {
      otel.close();
    }
  }

  private static final LongAdder OBSERVER_NANOS = new LongAdder();
  private static final LongAdder OBSERVED = new LongAdder();
  private static final LongAdder UNTIMED = new LongAdder();

  /**
   * The observer, with the thread CPU time spent inside its calls counted (for {@code
   * --time-observers}). Reading the thread CPU clock four times per attempt costs about 2 µs of its
   * own, which the count includes; a no-op observer timed the same way shows how much.
   */
  private static AttemptObserver timed(AttemptObserver observer) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    return request -> {
      long t0 = threads.getCurrentThreadCpuTime();
      AttemptObserver.Scope scope = observer.beforeAttempt(request);
      long before = threads.getCurrentThreadCpuTime() - t0;
      return result -> {
        long t1 = threads.getCurrentThreadCpuTime();
        try {
          scope.afterAttempt(result);
        } finally {
          if (t0 < 0 || t1 < 0) {
            UNTIMED.increment(); // a virtual thread: the JVM does not tell its CPU time
          } else {
            OBSERVER_NANOS.add(before + threads.getCurrentThreadCpuTime() - t1);
            OBSERVED.increment();
          }
        }
      };
    };
  }

  private static void printObserverCpu() {
    if (UNTIMED.sum() > 0) {
      System.out.printf(
          Locale.ROOT,
          "observer calls      : %,d attempts on virtual threads, whose CPU time the JVM does not"
              + " tell: run with JDK 17, where the workers are platform threads%n",
          UNTIMED.sum());
    }
    long n = OBSERVED.sum();
    if (n > 0) {
      System.out.printf(
          Locale.ROOT,
          "observer calls      : %.1f us thread CPU per attempt in place (%,d attempts, all \"on\""
              + " phases; includes ~2 us of reading the clock)%n",
          OBSERVER_NANOS.sum() / 1e3 / n,
          n);
    }
  }

  /** CPU time the batch span processor's thread has used so far; 0 where the JVM cannot tell. */
  private static long exportCpu() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (java.lang.management.ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (t != null && t.getThreadName().startsWith("BatchSpanProcessor")) {
        sum += Math.max(0, threads.getThreadCpuTime(t.getThreadId()));
      }
    }
    return sum;
  }

  /** Publishes inside a span of the application's, as an instrumented application does. */
  private static void publishInSpan(Tracer tracer, Dispatcher d, Event e) {
    inPublishSpan(tracer, () -> d.publish(e));
  }

  /**
   * Runs {@code publish} inside a span of the application's named "publish", current while it runs.
   *
   * @param tracer the application's tracer
   * @param publish what publishes
   */
  static void inPublishSpan(Tracer tracer, Runnable publish) {
    Span span = tracer.spanBuilder("publish").startSpan();
    Scope s = span.makeCurrent();
    try {
      publish.run();
    } finally {
      s.close();
      span.end();
    }
  }

  /** The value of a string option, or its default. */
  private static String stringArg(String[] args, String name, String otherwise) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return otherwise;
  }

  /** Bytes of heap all threads have allocated so far; 0 where the JVM cannot tell. */
  private static long allocatedBytes() {
    // Read as a JMX attribute, so that no JDK-specific class is named here (forbiddenapis).
    try {
      Object value =
          ManagementFactory.getPlatformMBeanServer()
              .getAttribute(
                  new javax.management.ObjectName(ManagementFactory.THREAD_MXBEAN_NAME),
                  "TotalThreadAllocatedBytes");
      return value instanceof Long l ? Math.max(0, l) : 0;
    } catch (javax.management.JMException | RuntimeException e) {
      return 0;
    }
  }

  /**
   * Marshals each batch with the OTLP exporter's own marshaller, as {@code OtlpHttpSpanExporter}
   * does in its default memory mode (reusable data), into a reused buffer; then drops the bytes. So
   * the export's CPU and garbage are paid as with the real exporter; only the network write to a
   * collector is left out. Called by the batch span processor's one worker thread at a time.
   */
  static final class OtlpMarshallingExporter implements SpanExporter {
    private final AtomicLong count;
    private final AtomicLong bytes = new AtomicLong();
    private final LowAllocationTraceRequestMarshaler marshaler =
        new LowAllocationTraceRequestMarshaler();
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(64 * 1024);

    OtlpMarshallingExporter(AtomicLong count) {
      this.count = count;
    }

    @Override
    public synchronized CompletableResultCode export(Collection<SpanData> spans) {
      marshaler.initialize(spans);
      try {
        buffer.reset();
        marshaler.writeBinaryTo(buffer);
      } catch (IOException e) {
        return CompletableResultCode.ofExceptionalFailure(e);
      } finally {
        marshaler.reset();
      }
      bytes.addAndGet(buffer.size());
      count.addAndGet(spans.size());
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }

  /** Runs one phase of a variant on a fresh store. */
  @FunctionalInterface
  private interface PhaseRunner {
    HooklinePhase.Result run(Duration duration, HooklinePhase.Instrumentation instrumentation)
        throws InterruptedException;
  }

  /**
   * Both modules as the "on" variant sets them up, on their own registries and SDK: a Micrometer
   * observation with the meter handler on a SimpleMeterRegistry, and every span sampled and
   * batch-exported through the OTLP marshaller.
   *
   * @param exported counts the spans exported
   * @return what adds them to a dispatcher builder
   */
  static java.util.function.UnaryOperator<Dispatcher.Builder> bothModules(AtomicLong exported) {
    return bothModules(Telemetry.create(exported));
  }

  /**
   * Both modules, as {@link #bothModules(AtomicLong)}, on the given back ends (whose tracer the
   * application also uses for its own spans).
   *
   * @param t the back ends
   * @return what adds them to a dispatcher builder
   */
  static java.util.function.UnaryOperator<Dispatcher.Builder> bothModules(Telemetry t) {
    HooklineTelemetry tracing = HooklineTelemetry.builder(t.otel()).build();
    return b ->
        b.attemptObserver(
                AttemptObserver.composite(
                    List.of(
                        HooklineObservations.builder(t.observations(), t.meters()).build(),
                        tracing)))
            .publishContext(tracing.publishContextCapturer());
  }

  /**
   * The telemetry back ends as a user would configure them: the SDK with every span sampled and
   * batch-exported through the OTLP marshaller, and Micrometer's meter handler on a
   * SimpleMeterRegistry.
   */
  record Telemetry(
      SdkTracerProvider tracerProvider,
      OpenTelemetrySdk otel,
      MeterRegistry meters,
      ObservationRegistry observations) {
    static Telemetry create(AtomicLong exported) {
      return create(exported, false);
    }

    /**
     * The back ends, as {@link #create(AtomicLong)}, or with {@code lean} as a deployment that
     * trims the libraries' own cost would set them: the meter handler without its long task timer
     * ({@code IgnoredMeters.LONG_TASK_TIMER}), and one trace in ten sampled ({@code
     * parentbased_traceidratio} 0.1, the application's spans too).
     */
    static Telemetry create(AtomicLong exported, boolean lean) {
      SdkTracerProvider tracerProvider =
          SdkTracerProvider.builder()
              .setSampler(
                  lean
                      ? io.opentelemetry.sdk.trace.samplers.Sampler.parentBased(
                          io.opentelemetry.sdk.trace.samplers.Sampler.traceIdRatioBased(0.1))
                      : io.opentelemetry.sdk.trace.samplers.Sampler.parentBased(
                          io.opentelemetry.sdk.trace.samplers.Sampler.alwaysOn()))
              .addSpanProcessor(
                  BatchSpanProcessor.builder(new OtlpMarshallingExporter(exported)).build())
              .build();
      MeterRegistry meters = new SimpleMeterRegistry();
      ObservationRegistry observations = ObservationRegistry.create();
      observations
          .observationConfig()
          .observationHandler(
              lean
                  ? new DefaultMeterObservationHandler(
                      meters, DefaultMeterObservationHandler.IgnoredMeters.LONG_TASK_TIMER)
                  : new DefaultMeterObservationHandler(meters));
      return new Telemetry(
          tracerProvider,
          OpenTelemetrySdk.builder().setTracerProvider(tracerProvider).build(),
          meters,
          observations);
    }
  }
}
