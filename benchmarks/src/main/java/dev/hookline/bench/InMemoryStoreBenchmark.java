package dev.hookline.bench;

import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.Event;
import dev.hookline.EventType;
import dev.hookline.Secret;
import dev.hookline.SigningSecret;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookFormat;
import dev.hookline.WebhookStatus;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.store.InMemoryStore;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The in-memory store's hot path: enqueue a batch of deliveries, claim it under a lease, and
 * complete every delivery. Reported per delivery.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class InMemoryStoreBenchmark {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  /** Deliveries per enqueue-claim-complete round. */
  @Param({"100"})
  public int batch;

  private InMemoryStore store = new InMemoryStore();
  private final AtomicLong ids = new AtomicLong();
  private Event event = Event.builder(UserEvents.CREATED).user("u1").occurredAt(NOW).build();

  /** Creates a store with one webhook. */
  @Setup(Level.Trial)
  public void setUp() {
    store = new InMemoryStore();
    store.insertWebhook(webhook("wh_1", UserEvents.CREATED));
    event = Event.builder(UserEvents.CREATED).user("u1").occurredAt(NOW).build();
  }

  /**
   * One round of {@code batch} deliveries through the outbox.
   *
   * @return how many were completed, so the work is not eliminated
   */
  @Benchmark
  @org.openjdk.jmh.annotations.OperationsPerInvocation(100)
  public int enqueueClaimComplete() {
    List<Delivery> deliveries = new ArrayList<>(batch);
    for (int i = 0; i < batch; i++) {
      Event e = event.toBuilder().id("evt_" + ids.incrementAndGet()).build();
      deliveries.add(Delivery.pending("dlv_" + ids.incrementAndGet(), "wh_1", e, NOW));
    }
    store.enqueue(deliveries);
    List<ClaimedDelivery> claimed =
        store.claim(ClaimRequest.of("bench", NOW, Duration.ofSeconds(30), batch));
    int done = 0;
    for (ClaimedDelivery c : claimed) {
      if (store.complete(c.lease(), Attempt.response(1, NOW, Duration.ZERO, 200, ""), NOW)) {
        done++;
      }
    }
    store.purge(NOW.plusSeconds(1), batch);
    return done;
  }

  static Webhook webhook(String id, EventType... types) {
    return new Webhook(
        id,
        Optional.empty(),
        "bench",
        "",
        URI.create("https://example.com/hook"),
        Secret.of("0123456789abcdef"),
        Set.of(types),
        Optional.empty(),
        WebhookFormat.STANDARD_WEBHOOKS,
        Optional.empty(),
        WebhookStatus.VERIFIED,
        true,
        Optional.empty(),
        List.of(new SigningSecret(Secret.of("whsec_AAAA"), NOW, Optional.empty())),
        NOW,
        NOW,
        1);
  }
}
