package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.WebhookStatus;
import dev.hookline.filter.Filters;
import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.TestWebhooks;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Races around endpoint health found in review, each once a bug: a probe answered 410 whose disable
 * failed kept the endpoint blocked forever; enable() was undone by the old failure clock; two
 * concurrent 410s reported the webhook disabled twice.
 */
class EndpointHealthRacesTest {
  final ManualClock clock = ManualClock.at(Instant.parse("2026-11-22T10:00:00Z"));
  final InMemoryStore real = new InMemoryStore();
  final AtomicBoolean failUpdates = new AtomicBoolean();
  final AtomicReference<CountDownLatch> holdClear = new AtomicReference<>();
  final CountDownLatch clearEntered = new CountDownLatch(1);
  final Store store =
      StoreSpy.around(
          real,
          (method, args) -> {
            if (method.equals("updateWebhook") && failUpdates.get()) {
              throw new IllegalStateException("db down");
            }
            if (method.equals("clearEndpointFailing") && holdClear.get() != null) {
              clearEntered.countDown();
              holdClear.get().await();
            }
          });
  final WebhookRegistry registry =
      WebhookRegistry.builder()
          .store(store)
          .clock(clock)
          .filterCompiler(Filters.compiler())
          .allowInsecureLoopbackForDevelopment(true)
          .build();
  final AtomicInteger status = new AtomicInteger(500);
  final AtomicInteger requests = new AtomicInteger();
  final AtomicReference<CyclicBarrier> barrier = new AtomicReference<>();
  final List<String> disabled = new CopyOnWriteArrayList<>();
  final java.util.concurrent.ExecutorService endpointThreads = Executors.newCachedThreadPool();
  HttpServer endpoint;
  Webhook webhook;
  static final AtomicInteger N = new AtomicInteger();

  void setUp() throws Exception {
    endpoint = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    endpoint.setExecutor(endpointThreads);
    endpoint.createContext(
        "/",
        x -> {
          x.getRequestBody().readAllBytes();
          requests.incrementAndGet();
          CyclicBarrier b = barrier.get();
          if (b != null) {
            try {
              b.await(5, TimeUnit.SECONDS);
            } catch (Exception e) {
              // ignore
            }
          }
          x.sendResponseHeaders(status.get(), -1);
          x.close();
        });
    endpoint.start();
    Webhook w =
        registry.create(
            WebhookDefinition.builder()
                .name("t")
                .uri("http://127.0.0.1:" + endpoint.getAddress().getPort() + "/hook")
                .apiKey("test-api-key-0123456789")
                .events(UserEvents.CREATED)
                .build());
    TestWebhooks.markVerified(registry, w.id());
    webhook = registry.enable(w.id());
  }

  @AfterEach
  void stop() {
    if (endpoint != null) {
      endpoint.stop(0);
    }
    endpointThreads.shutdownNow();
  }

  Dispatcher dispatcher(int perEndpoint) {
    return Dispatcher.builder()
        .registry(registry)
        .jitter(() -> 0.5)
        .retrySchedule(RetrySchedule.builder().attemptTimeout(Duration.ofSeconds(2)).build())
        .shutdownTimeout(Duration.ofSeconds(2))
        .perEndpointConcurrency(perEndpoint)
        .circuitBreaker(
            CircuitBreakerPolicy.builder()
                .window(10)
                .minimumAttempts(5)
                .failureRate(0.5)
                .coolDown(Duration.ofMinutes(1))
                .build())
        .disableAfter(Duration.ofDays(5))
        .listener(
            new DeliveryListener() {
              @Override
              public void webhookDisabled(String webhookId, String reason) {
                disabled.add(reason);
              }
            })
        .build();
  }

  Event event() {
    com.fasterxml.jackson.databind.node.ObjectNode data =
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    data.put("user_id", "u");
    return Event.builder(UserEvents.CREATED)
        .id("evt_r_" + N.incrementAndGet())
        .occurredAt(clock.instant())
        .user("u")
        .data(data)
        .build();
  }

  void drain(Dispatcher d) {
    for (int i = 0; i < 50; i++) {
      int before = requests.get();
      d.runDueNow();
      if (requests.get() == before && d.runDueNow() == 0) {
        return;
      }
    }
  }

  @Test
  void aProbeAnswered410WhoseDisableFailedDoesNotBlockTheEndpointForever() throws Exception {
    setUp();
    try (Dispatcher d = dispatcher(1)) {
      for (int i = 0; i < 5; i++) {
        d.publish(event());
      }
      drain(d);
      assertEquals(5, requests.get(), "breaker open");
      clock.advance(Duration.ofSeconds(61));
      status.set(410);
      failUpdates.set(true); // the registry's disable hits a Store error
      d.runDueNow();
      assertEquals(6, requests.get(), "one probe");
      failUpdates.set(false);
      status.set(200); // the endpoint is healthy again
      clock.advance(Duration.ofDays(1));
      d.publish(event());
      drain(d);
      assertTrue(requests.get() > 6, "probes go out again: " + requests.get());
      assertEquals(WebhookStatus.VERIFIED, registry.require(webhook.id()).status());
      assertEquals(
          0,
          d.deliveries(DeliveryQuery.builder().webhook(webhook.id()).build()).stream()
              .filter(x -> x.state() == DeliveryState.PENDING)
              .count(),
          "everything queued went out");
    }
  }

  @Test
  void enableIsNotUndoneByTheOldFailureClock() throws Exception {
    setUp();
    try (Dispatcher d = dispatcher(1)) {
      d.publish(event());
      drain(d);
      clock.advance(Duration.ofDays(5).plusMinutes(1));
      d.publish(event());
      drain(d);
      assertEquals(WebhookStatus.DISABLED_BY_FAILURE, registry.require(webhook.id()).status());
      holdClear.set(new CountDownLatch(1));
      Thread t = new Thread(() -> registry.enable(webhook.id()));
      t.start();
      assertTrue(clearEntered.await(5, TimeUnit.SECONDS)); // enable() is stopping the clock
      d.runDueNow(); // still disabled while it does: nothing is sent, nothing is marked
      holdClear.get().countDown();
      t.join(5000);
      assertEquals(WebhookStatus.VERIFIED, registry.require(webhook.id()).status());
      holdClear.set(null);
      int before = requests.get();
      drain(d); // the queued deliveries fail again (the endpoint still answers 500)
      assertTrue(requests.get() > before);
      assertEquals(
          WebhookStatus.VERIFIED,
          registry.require(webhook.id()).status(),
          "a fresh failure after enable() starts a fresh clock");
      assertEquals(1, disabled.size(), disabled.toString());
    }
  }

  @Test
  void twoConcurrent410sReportTheWebhookDisabledOnce() throws Exception {
    setUp();
    status.set(410);
    barrier.set(new CyclicBarrier(2));
    try (Dispatcher d = dispatcher(2)) {
      d.publish(event());
      d.publish(event());
      d.runDueNow();
      assertEquals(2, requests.get(), "both were in flight together");
      assertEquals(1, disabled.size(), disabled.toString());
      assertEquals(WebhookStatus.DISABLED_BY_FAILURE, registry.require(webhook.id()).status());
    }
  }
}
