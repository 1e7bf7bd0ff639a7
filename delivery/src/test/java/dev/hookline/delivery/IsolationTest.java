package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.testing.Poll;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * One endpoint that does not answer cannot starve twenty healthy ones. The dead endpoint holds
 * every request until the healthy endpoints have all their events (there is no timeout to wait
 * out): were its deliveries to take more than their own slots, the healthy ones would get no worker
 * and the wait would fail; and it is counted at the client that it never has more than its limit in
 * flight, also once it answers and its queued deliveries take the freed slots.
 */
class IsolationTest {
  private static final int HEALTHY = 20;
  private static final int EVENTS = 10;
  private static final int LIMIT = 2;
  private static final int WORKERS = LIMIT + 8 * LIMIT + 6;

  @Test
  void aDeadEndpointHoldsOnlyItsOwnSlotsAndHealthyEndpointsGetEverything() throws Exception {
    Map<String, AtomicInteger> okRequests = new ConcurrentHashMap<>();
    HttpClient jdkClient =
        HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    CountingHttpClient client = new CountingHttpClient(jdkClient);
    Harness h = new Harness();
    CountDownLatch deadAnswers = new CountDownLatch(1);
    AtomicInteger deadHeld = new AtomicInteger();
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    ExecutorService serverThreads = Executors.newCachedThreadPool();
    server.setExecutor(serverThreads);
    server.createContext(
        "/ok/",
        x -> {
          try (x) {
            x.getRequestBody().readAllBytes();
            okRequests
                .computeIfAbsent(x.getRequestURI().getPath(), k -> new AtomicInteger())
                .incrementAndGet();
            x.sendResponseHeaders(200, -1);
          }
        });
    server.createContext(
        "/dead",
        x -> {
          try (x) {
            x.getRequestBody().readAllBytes();
            deadHeld.incrementAndGet();
            try {
              // Bounded only so that a broken run ends; the test opens it long before.
              deadAnswers.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            x.sendResponseHeaders(503, -1);
          }
        });
    server.start();
    String base = "http://127.0.0.1:" + server.getAddress().getPort();
    try {
      Webhook deadHook = h.receiving(base + "/dead", null, UserEvents.CREATED);
      List<Webhook> healthy = new ArrayList<>();
      for (int i = 0; i < HEALTHY; i++) {
        healthy.add(h.receiving(base + "/ok/" + i, null, UserEvents.CREATED));
      }
      RetrySchedule fastRetries =
          RetrySchedule.builder()
              .delays(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofMillis(100))
              // Longer than the test: no attempt times out, so the dead endpoint's attempts hold
              // their slots until it is told to answer, and a healthy endpoint on a loaded machine
              // is never sent an event twice (it must get each exactly once).
              .attemptTimeout(Duration.ofSeconds(90))
              .build();
      try (Dispatcher dispatcher =
          h.dispatcher(Duration.ofSeconds(90))
              .clock(Clock.systemUTC())
              .retrySchedule(fastRetries)
              .httpClient(client)
              // More than the dead endpoint can hold: its LIMIT slots and, claimed behind them,
              // up to 8 per slot (each counts against the workers). Fewer, and the healthy ones
              // waited for its attempts to time out.
              .workers(WORKERS)
              .perEndpointConcurrency(LIMIT)
              .pollInterval(Duration.ofMillis(20))
              .build()
              .start()) {
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
          events.add(h.event(UserEvents.CREATED));
        }
        assertEquals((HEALTHY + 1) * EVENTS, dispatcher.publish(events).count());

        // While every request at the dead endpoint is held: the healthy ones get everything.
        Poll.until(
            Duration.ofSeconds(30),
            () -> healthy.stream().allMatch(w -> dispatcher.summary(w.id()).succeeded() == EVENTS),
            () -> "healthy endpoints get every event while the dead one holds " + deadHeld.get());
        for (int i = 0; i < HEALTHY; i++) {
          AtomicInteger got = okRequests.get("/ok/" + i);
          assertEquals(EVENTS, got == null ? 0 : got.get(), "requests at /ok/" + i);
        }
        assertEquals(LIMIT, client.total("/dead"), "the dead endpoint was tried, up to its limit");
        assertEquals(0, dispatcher.summary(deadHook.id()).succeeded());

        // It answers (503) at last: its queued deliveries take the freed slots, still at most
        // LIMIT at once, until each of its deliveries has been tried.
        deadAnswers.countDown();
        Poll.until(
            Duration.ofSeconds(30),
            () -> client.total("/dead") >= EVENTS,
            () -> "each dead delivery tried: " + client.total("/dead"));
        assertTrue(
            client.maxInFlight("/dead") <= LIMIT,
            "dead endpoint had " + client.maxInFlight("/dead") + " in flight");
        assertEquals(0, dispatcher.summary(deadHook.id()).succeeded());
      }
      assertTrue(client.maxInFlight("/dead") <= LIMIT);
    } finally {
      deadAnswers.countDown();
      server.stop(0);
      serverThreads.shutdownNow();
    }
  }
}
