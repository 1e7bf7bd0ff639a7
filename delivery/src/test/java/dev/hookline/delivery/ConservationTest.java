package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Nothing is lost and nothing is duplicated: after N events x M webhooks against endpoints that
 * fail at random, every pair is delivered, failed or still scheduled, exactly once in the store.
 */
class ConservationTest {
  private static final int EVENTS = 40;
  private static final int WEBHOOKS = 6;
  private static final int MAX_ATTEMPTS = 4;

  /** Requests and 2xx answers the endpoints gave, per "path event-id". */
  private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();

  private final Map<String, AtomicInteger> accepted = new ConcurrentHashMap<>();

  @Test
  void everyEventWebhookPairIsAccountedForExactlyOnce() throws Exception {
    Random random = new Random(7);
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
    ExecutorService serverThreads = Executors.newFixedThreadPool(4);
    server.setExecutor(serverThreads);
    server.createContext("/", exchange -> answer(exchange, random));
    server.start();
    String base = "http://127.0.0.1:" + server.getAddress().getPort();

    Harness h = new Harness();
    RetrySchedule schedule =
        RetrySchedule.builder()
            .delays(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1))
            .attemptTimeout(Duration.ofSeconds(5))
            .build();
    List<Webhook> webhooks = new ArrayList<>();
    for (int i = 0; i < WEBHOOKS; i++) {
      webhooks.add(h.receiving(base + "/hook/" + i, null, UserEvents.CREATED));
    }
    try (Dispatcher dispatcher =
        h.dispatcher(Duration.ofSeconds(5)).retrySchedule(schedule).workers(8).build()) {
      List<Event> events = new ArrayList<>();
      for (int i = 0; i < EVENTS; i++) {
        events.add(h.event(UserEvents.CREATED));
      }
      dispatcher.publish(events.subList(0, EVENTS / 2));
      dispatcher.runDueNow();
      dispatcher.publish(events.subList(EVENTS / 2, EVENTS));
      dispatcher.publish(events.subList(0, 5)); // published again: no new deliveries
      // Fewer rounds than the schedule needs, so some deliveries are still scheduled at the end.
      for (int round = 0; round < 3; round++) {
        dispatcher.runDueNow();
        h.clock.advance(Duration.ofMillis(1300));
      }
    } finally {
      server.stop(0);
      serverThreads.shutdownNow();
    }

    List<Delivery> all = h.store.findDeliveries(DeliveryQuery.builder().limit(10_000).build());
    assertEquals(EVENTS * WEBHOOKS, all.size(), "one delivery per pair, none missing");
    Map<String, Delivery> byPair = new HashMap<>();
    Map<String, String> pathOf = new HashMap<>();
    for (int i = 0; i < WEBHOOKS; i++) {
      pathOf.put(webhooks.get(i).id(), "/hook/" + i);
    }
    Map<DeliveryState, Integer> states = new HashMap<>();
    for (Delivery d : all) {
      String key = pathOf.get(d.webhookId()) + " " + d.event().id();
      assertEquals(null, byPair.put(key, d), "duplicate delivery for " + key);
      states.merge(d.state(), 1, Integer::sum);
      int sent = count(requests, key);
      int ok = count(accepted, key);
      // An attempt whose connection closed before any answer sends its request once more at
      // once (HttpSender) and says so in its detail: every request is still in the history.
      long sentTwice = d.attempts().stream().filter(a -> a.detail().contains("sent twice")).count();
      assertEquals(
          sent, d.attemptCount() + sentTwice, "every request is recorded in an attempt: " + key);
      switch (d.state()) {
        case SUCCEEDED -> {
          assertEquals(1, ok, key);
          assertTrue(d.lastAttempt().map(Attempt::succeeded).orElse(false));
        }
        case FAILED -> {
          assertEquals(0, ok, key);
          assertEquals(MAX_ATTEMPTS, d.attemptCount(), key);
        }
        case RETRYING -> {
          assertEquals(0, ok, key);
          assertTrue(d.attemptCount() < MAX_ATTEMPTS, key);
          assertTrue(d.nextAttemptAt().isPresent(), key);
        }
        case PENDING -> {
          // still scheduled: its endpoint's circuit breaker opened before its first attempt
          assertEquals(0, sent, key);
          assertEquals(0, d.attemptCount(), key);
          assertTrue(d.nextAttemptAt().isPresent(), key);
        }
        default -> throw new AssertionError(key + " is " + d.state());
      }
    }
    assertTrue(states.getOrDefault(DeliveryState.SUCCEEDED, 0) > 0, states.toString());
    assertTrue(states.getOrDefault(DeliveryState.RETRYING, 0) > 0, states.toString());
  }

  /** Answers 2xx half the time, 500 four times in ten, and drops the connection otherwise. */
  private void answer(HttpExchange exchange, Random random) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      in.readAllBytes();
    }
    String key =
        exchange.getRequestURI().getPath()
            + " "
            + exchange.getRequestHeaders().getFirst("webhook-id");
    requests.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    int roll;
    synchronized (random) {
      roll = random.nextInt(10);
    }
    if (roll < 5) {
      accepted.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    } else if (roll < 9) {
      exchange.sendResponseHeaders(500, -1);
      exchange.close();
    } else {
      // No answer: the server closes the connection when the handler throws.
      throw new IOException("connection dropped on purpose");
    }
  }

  private static int count(Map<String, AtomicInteger> counts, String key) {
    AtomicInteger c = counts.get(key);
    return c == null ? 0 : c.get();
  }
}
