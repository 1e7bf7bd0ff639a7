package dev.hookline.delivery;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.Event;
import dev.hookline.EventType;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.filter.Filters;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/** A store, a registry on a manual clock, and helpers shared by the dispatcher tests. */
final class Harness {
  static final String API_KEY = "test-api-key-0123456789";
  private static final AtomicInteger EVENTS = new AtomicInteger();

  final ManualClock clock = ManualClock.at(Instant.parse("2026-11-22T10:00:00Z"));
  final InMemoryStore store = new InMemoryStore();
  final WebhookRegistry registry =
      WebhookRegistry.builder()
          .store(store)
          .clock(clock)
          .filterCompiler(Filters.compiler())
          .allowInsecureLoopbackForDevelopment(true)
          .build();

  /** A dispatcher builder on this harness, with short test timeouts and midpoint jitter. */
  Dispatcher.Builder dispatcher(Duration attemptTimeout) {
    return Dispatcher.builder()
        .registry(registry)
        .jitter(() -> 0.5)
        .retrySchedule(RetrySchedule.builder().attemptTimeout(attemptTimeout).build())
        .shutdownTimeout(Duration.ofSeconds(2));
  }

  /** A webhook that is registered but neither verified nor enabled. */
  Webhook registered(String uri, @Nullable String filter, EventType... types) {
    return registry.create(
        WebhookDefinition.builder()
            .name("test " + uri)
            .uri(uri)
            .apiKey(API_KEY)
            .events(types)
            .filter(filter)
            .build());
  }

  /** A webhook that is verified and enabled: it receives events. */
  Webhook receiving(String uri, @Nullable String filter, EventType... types) {
    Webhook w = registered(uri, filter, types);
    registry.markVerified(w.id());
    return registry.enable(w.id());
  }

  Event event(EventType type) {
    return event(type, "user-" + EVENTS.incrementAndGet());
  }

  Event event(EventType type, String userId) {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("user_id", userId);
    data.put("email", userId + "@example.com");
    return Event.builder(type)
        .id("evt_test_" + EVENTS.incrementAndGet())
        .occurredAt(clock.instant())
        .user(userId)
        .data(data)
        .build();
  }

  Delivery only(String eventId) {
    List<Delivery> ds = store.findDeliveries(DeliveryQuery.builder().event(eventId).build());
    if (ds.size() != 1) {
      throw new AssertionError("expected one delivery for " + eventId + ", found " + ds);
    }
    return ds.get(0);
  }

  Delivery reload(Delivery d) {
    return store.findDelivery(d.id()).orElseThrow();
  }

  /** Polls, without sleeping in a loop of its own, until the condition holds or time is up. */
  static void await(Duration max, BooleanSupplier condition) {
    long deadline = System.nanoTime() + max.toNanos();
    Object monitor = new Object();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + max);
      }
      synchronized (monitor) {
        try {
          monitor.wait(10);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted", e);
        }
      }
    }
  }

  /** A port on which nothing listens (connections are refused). */
  static int closedPort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
