package dev.hookline.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Delivery;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.AttemptObserver;
import dev.hookline.delivery.AttemptRequest;
import dev.hookline.delivery.AttemptResult;
import dev.hookline.filter.Filters;
import dev.hookline.micrometer.HooklineObservations;
import dev.hookline.otel.HooklineTelemetry;
import dev.hookline.store.InMemoryStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of observing one attempt, before and after, outside the HTTP exchange: with
 * hookline-micrometer (Observation API, meter handler, SimpleMeterRegistry), with
 * hookline-opentelemetry (SDK, sampled, batch-exported to a discarding exporter, linked to a
 * publish context), and both. Compare with the ~150 µs of CPU a delivery costs end to end.
 *
 * <p>JMH measures it with hot caches, one thread. {@link #main} measures it as the dispatcher meets
 * it: many threads, and caches cooled between the calls (see {@link InPlace}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ObserverBenchmark {
  private final AttemptRequest request;
  private final AttemptResult result =
      new AttemptResult(
          AttemptResult.Outcome.SUCCEEDED,
          OptionalInt.of(200),
          Optional.empty(),
          Duration.ofMillis(3),
          Optional.empty(),
          false);
  private final AttemptObserver micrometer;
  private final AttemptObserver otel;
  private final AttemptObserver both;
  private final OpenTelemetrySdk sdk;

  /** Builds the request and the observers (JMH makes one instance per run). */
  public ObserverBenchmark() {
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
    Delivery d =
        Delivery.pending("dlv_bench", w.id(), e, Instant.parse("2026-11-29T00:00:00Z"))
            .withPublishContext(
                Optional.of("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
    request = new BenchRequest(d, w);

    MeterRegistry meters = new SimpleMeterRegistry();
    ObservationRegistry observations = ObservationRegistry.create();
    observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
    micrometer = HooklineObservations.builder(observations, meters).build();
    sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .addSpanProcessor(BatchSpanProcessor.builder(new Discard()).build())
                    .build())
            .build();
    otel = HooklineTelemetry.builder(sdk).build();
    both = AttemptObserver.composite(List.of(micrometer, otel));
  }

  @TearDown
  public void tearDown() {
    sdk.close();
  }

  @Benchmark
  public void micrometer() {
    micrometer.beforeAttempt(request).afterAttempt(result);
  }

  @Benchmark
  public void opentelemetry() {
    otel.beforeAttempt(request).afterAttempt(result);
  }

  @Benchmark
  public void both() {
    both.beforeAttempt(request).afterAttempt(result);
  }

  /**
   * Runs {@link InPlace}: {@code
   * noop|micrometer|opentelemetry|both|floor|floor-micrometer|floor-opentelemetry [threads]
   * [attempts] [pollute-KiB]}, default {@code both 1 200000 0}.
   *
   * @param args the variant, the worker threads, the attempts, the memory each thread walks before
   *     and inside each attempt (0: hot caches, as in JMH)
   * @throws InterruptedException if interrupted
   */
  public static void main(String[] args) throws InterruptedException {
    String variant = args.length > 0 ? args[0] : "both";
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    int attempts = args.length > 2 ? Integer.parseInt(args[2]) : 200_000;
    int polluteKib = args.length > 3 ? Integer.parseInt(args[3]) : 0;
    InPlace.run(variant, threads, attempts, polluteKib);
  }

  /** A request as the dispatcher passes it, without a header window. */
  private static final class BenchRequest implements AttemptRequest {
    private final Delivery delivery;
    private final Webhook webhook;

    BenchRequest(Delivery delivery, Webhook webhook) {
      this.delivery = delivery;
      this.webhook = webhook;
    }

    @Override
    public Delivery delivery() {
      return delivery;
    }

    @Override
    public Webhook webhook() {
      return webhook;
    }

    @Override
    public int attemptNumber() {
      return 1;
    }

    @Override
    public String method() {
      return "POST";
    }

    @Override
    public URI uri() {
      return webhook.uri();
    }

    @Override
    public String redactedUri() {
      return "http://127.0.0.1:8080/…";
    }

    @Override
    public AttemptRequest header(String name, String value) {
      return this;
    }
  }

  private static final class Discard implements SpanExporter {
    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
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
}
