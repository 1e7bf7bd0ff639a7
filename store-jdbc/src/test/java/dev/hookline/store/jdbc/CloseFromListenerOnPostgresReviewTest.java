package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryCounts;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.DeliveryListener;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.filter.Filters;
import dev.hookline.testing.LoopbackSink;
import dev.hookline.testing.Poll;
import dev.hookline.testing.TestWebhooks;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * close() called from a {@link DeliveryListener} on PostgreSQL, where a success is answered later
 * by the grouped outcome write: the listener runs on the worker leading that write, which answers
 * other workers' outcomes (and its own) there. close() must return promptly (it must not wait for
 * the answers its own thread gives), send nothing once it returned, and lose nothing: every
 * delivery ends SUCCEEDED, the ones not attempted once a new dispatcher runs.
 */
class CloseFromListenerOnPostgresReviewTest {
  private static final String SCHEMA = "close_from_listener_review";
  private static final int EVENTS = 600;
  private static final int WORKERS = 16;

  /** What the listener's close() saw. */
  private record Closed(long millis, int sentWhenReturned) {}

  private static Dispatcher dispatcher(
      WebhookRegistry registry, boolean virtual, DeliveryListener listener) {
    return Dispatcher.builder()
        .registry(registry)
        .clock(Clock.systemUTC())
        .workers(WORKERS)
        .virtualThreads(virtual)
        .pollInterval(Duration.ofMillis(50))
        .leaseDuration(Duration.ofSeconds(10))
        .shutdownTimeout(Duration.ofSeconds(30))
        .listener(listener)
        .build();
  }

  @ParameterizedTest(name = "virtual threads {0}")
  @ValueSource(booleans = {true, false})
  void closeFromTheFirstSuccessReturnsPromptlyAndLosesNothing(boolean virtual) throws Exception {
    EmbeddedDb.dropSchema(EmbeddedDb.dataSource(), SCHEMA);
    try (LoopbackSink sink = LoopbackSink.recording();
        SimpleConnectionPool pool = SimpleConnectionPool.of(EmbeddedDb.dataSource(), WORKERS + 4)) {
      PostgresStore store = EmbeddedDb.store(pool, SCHEMA);
      WebhookRegistry registry =
          WebhookRegistry.builder()
              .store(store)
              .clock(Clock.systemUTC())
              .filterCompiler(Filters.compiler())
              .allowInsecureLoopbackForDevelopment(true)
              .build();
      Webhook w =
          registry.create(
              WebhookDefinition.builder()
                  .name("sink")
                  .uri(sink.uri("/hook"))
                  .apiKey(Instance.API_KEY)
                  .events(UserEvents.CREATED)
                  .build());
      TestWebhooks.markVerified(registry, w.id());
      registry.enable(w.id());

      AtomicReference<Dispatcher> ref = new AtomicReference<>();
      AtomicBoolean first = new AtomicBoolean(true);
      CompletableFuture<Closed> closed = new CompletableFuture<>();
      DeliveryListener stopOnFirst =
          new DeliveryListener() {
            @Override
            public void attemptSucceeded(Delivery delivery, Attempt attempt) {
              if (first.compareAndSet(true, false)) {
                long start = System.nanoTime();
                try {
                  ref.get().close();
                  closed.complete(
                      new Closed((System.nanoTime() - start) / 1_000_000, sink.total()));
                } catch (RuntimeException | Error e) {
                  closed.completeExceptionally(e);
                }
              }
            }
          };
      Dispatcher d = dispatcher(registry, virtual, stopOnFirst);
      ref.set(d);
      // Published before start: the first claim rounds take WORKERS at a time, all in flight.
      List<Event> batch = new ArrayList<>();
      for (int n = 0; n < EVENTS; n++) {
        batch.add(
            Event.builder(UserEvents.CREATED)
                .id("evt_" + n)
                .occurredAt(Instant.now())
                .user("user-" + n)
                .data(JsonNodeFactory.instance.objectNode().put("n", n))
                .build());
        if (batch.size() == 50) {
          d.publish(batch);
          batch = new ArrayList<>();
        }
      }
      d.start();

      Closed c = closed.get(60, TimeUnit.SECONDS);
      assertTrue(c.millis() < 5_000, "close() from the listener took " + c.millis() + " ms");
      // Everything the closed dispatcher claimed is recorded or handed back: nothing is in flight.
      Poll.until(
          Duration.ofSeconds(30),
          () -> store.countDeliveries(w.id()).inFlight() == 0,
          () -> "nothing left in flight: " + store.countDeliveries(w.id()));
      assertEquals(
          c.sentWhenReturned(),
          sink.total(),
          "requests sent after close() returned (sent when it returned: "
              + c.sentWhenReturned()
              + ")");
      DeliveryCounts afterClose = store.countDeliveries(w.id());
      assertEquals(EVENTS, afterClose.total());
      assertEquals(sink.distinct(), afterClose.succeeded(), "every request sent is recorded");

      // A new dispatcher sends the rest; nothing is lost.
      try (Dispatcher next = dispatcher(registry, virtual, new DeliveryListener() {})) {
        next.start();
        Poll.until(
            Duration.ofSeconds(60),
            () -> store.countDeliveries(w.id()).succeeded() == EVENTS,
            () -> "every delivery succeeds: " + store.countDeliveries(w.id()));
      }
      assertEquals(EVENTS, sink.distinct());
    } finally {
      EmbeddedDb.dropSchema(EmbeddedDb.dataSource(), SCHEMA);
    }
  }
}
