package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookStatus;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The circuit breaker and auto-disable, driven by a manual clock. */
class EndpointHealthTest {
  private final Harness h = new Harness();
  private final AtomicInteger status = new AtomicInteger(500);
  private final AtomicInteger requests = new AtomicInteger();
  private final List<String> disabled = new CopyOnWriteArrayList<>();
  private HttpServer endpoint = newServer();
  private Webhook webhook =
      h.registered("http://127.0.0.1:1/placeholder", null, UserEvents.CREATED);

  private static HttpServer newServer() {
    try {
      return HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @BeforeEach
  void start() {
    endpoint.createContext(
        "/",
        x -> {
          x.getRequestBody().readAllBytes();
          requests.incrementAndGet();
          x.sendResponseHeaders(status.get(), -1);
          x.close();
        });
    endpoint.start();
    webhook =
        h.receiving(
            "http://127.0.0.1:" + endpoint.getAddress().getPort() + "/hook",
            null,
            UserEvents.CREATED);
  }

  @AfterEach
  void stop() {
    endpoint.stop(0);
  }

  private Dispatcher dispatcher() {
    return h.dispatcher(Duration.ofSeconds(2))
        .perEndpointConcurrency(1)
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
                disabled.add(webhookId + ": " + reason);
              }
            })
        .build();
  }

  /** Runs due work until the request count stops changing (each round is deterministic). */
  private static void drain(Dispatcher d, IntSupplier requests) {
    for (int i = 0; i < 50; i++) {
      int before = requests.getAsInt();
      d.runDueNow();
      if (requests.getAsInt() == before && d.runDueNow() == 0) {
        return;
      }
    }
  }

  private List<Delivery> deliveries(Dispatcher d) {
    return d.deliveries(DeliveryQuery.builder().webhook(webhook.id()).build());
  }

  @Test
  void theBreakerOpensQueuesInsteadOfFailingProbesAfterCoolDownAndCloses() {
    try (Dispatcher d = dispatcher()) {
      for (int i = 0; i < 5; i++) {
        d.publish(h.event(UserEvents.CREATED));
      }
      drain(d, requests::get);
      assertEquals(5, requests.get(), "5 failures: the breaker opens");

      for (int i = 0; i < 3; i++) {
        d.publish(h.event(UserEvents.CREATED));
      }
      drain(d, requests::get);
      assertEquals(5, requests.get(), "open: nothing is sent");
      assertEquals(
          3,
          deliveries(d).stream().filter(x -> x.state() == DeliveryState.PENDING).count(),
          "new deliveries stay queued, not failed");

      h.clock.advance(Duration.ofSeconds(61));
      d.runDueNow();
      assertEquals(6, requests.get(), "after the cool-down exactly one probe");
      drain(d, requests::get);
      assertEquals(6, requests.get(), "the probe failed: open again");

      status.set(200);
      h.clock.advance(Duration.ofSeconds(61));
      drain(d, requests::get);
      assertEquals(
          6 + 8,
          requests.get(),
          "the probe succeeded and closed the breaker; the 7 others followed");
      assertTrue(
          deliveries(d).stream().allMatch(x -> x.state() == DeliveryState.SUCCEEDED),
          () -> deliveries(d).toString());
      assertEquals(8, deliveries(d).size());
      assertTrue(disabled.isEmpty());
    }
  }

  @Test
  void continuousFailureForTheConfiguredPeriodDisablesTheWebhookAndKeepsItsDeliveries() {
    try (Dispatcher d = dispatcher()) {
      for (int i = 0; i < 5; i++) {
        d.publish(h.event(UserEvents.CREATED));
      }
      drain(d, requests::get);
      h.clock.advance(Duration.ofDays(5).plusMinutes(1));
      drain(d, requests::get);

      Webhook w = h.registry.require(webhook.id());
      assertEquals(WebhookStatus.DISABLED_BY_FAILURE, w.status());
      assertTrue(w.statusReason().orElseThrow().startsWith("endpoint failing continuously since"));
      assertEquals(1, disabled.size(), disabled.toString());
      assertTrue(
          deliveries(d).stream().noneMatch(x -> x.state() == DeliveryState.FAILED),
          "deliveries are kept queued for later");

      int before = requests.get();
      h.clock.advance(Duration.ofDays(1));
      drain(d, requests::get);
      assertEquals(before, requests.get(), "a disabled webhook gets nothing");

      status.set(200);
      h.registry.enable(webhook.id()); // re-enabling resets its health
      assertEquals(WebhookStatus.VERIFIED, h.registry.require(webhook.id()).status());
      drain(d, requests::get);
      assertTrue(
          deliveries(d).stream().allMatch(x -> x.state() == DeliveryState.SUCCEEDED),
          () -> deliveries(d).toString());
    }
  }

  @Test
  void theFailureClockLivesInTheStoreSoARestartDoesNotResetIt() {
    java.time.Instant t0 = h.clock.instant();
    try (Dispatcher first = dispatcher()) {
      first.publish(h.event(UserEvents.CREATED));
      drain(first, requests::get);
      assertTrue(
          h.store.endpointFailingSince(webhook.id()).isEmpty(),
          "a run of failures shorter than an hour costs no Store write");
      h.clock.advance(Duration.ofHours(2)); // its retries fail too
      drain(first, requests::get);
    }
    assertEquals(java.util.Optional.of(t0), h.store.endpointFailingSince(webhook.id()));

    h.clock.advance(Duration.ofDays(3)); // the host restarts (2 h + 3 days after the start)
    try (Dispatcher second = dispatcher()) {
      second.publish(h.event(UserEvents.CREATED));
      drain(second, requests::get);
      assertEquals(WebhookStatus.VERIFIED, h.registry.require(webhook.id()).status());

      h.clock.advance(Duration.ofHours(2)); // this instance's own run reaches the Store
      drain(second, requests::get);
      assertEquals(WebhookStatus.VERIFIED, h.registry.require(webhook.id()).status());
      h.clock.advance(Duration.ofDays(2));
      drain(second, requests::get);
      Webhook w = h.registry.require(webhook.id());
      assertEquals(
          WebhookStatus.DISABLED_BY_FAILURE,
          w.status(),
          "5 days after the first failure, though this instance only saw 2 of them");
      assertTrue(w.statusReason().orElseThrow().contains(t0.toString()), w.statusReason().get());
      assertEquals(1, disabled.size(), disabled.toString());
    }
    h.registry.enable(webhook.id());
    assertTrue(h.store.endpointFailingSince(webhook.id()).isEmpty(), "enable resets the clock");
  }

  @Test
  void aSuccessSeenByAnotherInstanceStopsTheSharedClock() {
    java.time.Instant t0 = h.clock.instant();
    try (Dispatcher a = dispatcher();
        Dispatcher b = dispatcher()) {
      a.publish(h.event(UserEvents.CREATED));
      drain(a, requests::get); // a sees the endpoint fail...
      h.clock.advance(Duration.ofHours(2));
      drain(a, requests::get); // ...for over an hour: the shared clock starts at t0
      assertEquals(java.util.Optional.of(t0), h.store.endpointFailingSince(webhook.id()));

      h.clock.advance(Duration.ofDays(3));
      status.set(200);
      b.publish(h.event(UserEvents.CREATED));
      drain(b, requests::get); // b sees it succeed: the clock stops for everyone
      assertTrue(h.store.endpointFailingSince(webhook.id()).isEmpty());

      status.set(500);
      h.clock.advance(Duration.ofDays(2).plusMinutes(1));
      java.time.Instant restarted = h.clock.instant();
      a.publish(h.event(UserEvents.CREATED));
      drain(a, requests::get);
      assertEquals(
          WebhookStatus.VERIFIED,
          h.registry.require(webhook.id()).status(),
          "a's own view says 5 days of failure, but b succeeded in between");
      assertEquals(java.util.Optional.of(restarted), h.store.endpointFailingSince(webhook.id()));

      h.clock.advance(Duration.ofDays(5));
      a.publish(h.event(UserEvents.CREATED));
      drain(a, requests::get);
      Webhook w = h.registry.require(webhook.id());
      assertEquals(WebhookStatus.DISABLED_BY_FAILURE, w.status());
      assertTrue(
          w.statusReason().orElseThrow().contains(restarted.toString()), w.statusReason().get());
    }
  }
}
