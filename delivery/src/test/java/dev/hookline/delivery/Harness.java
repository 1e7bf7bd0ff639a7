package dev.hookline.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
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
import dev.hookline.testing.Poll;
import dev.hookline.testing.TestWebhooks;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * A store, a registry on a manual clock, and helpers shared by the dispatcher tests, among them a
 * warmed-up WireMock endpoint.
 */
final class Harness {
  static final String API_KEY = "test-api-key-0123456789";
  private static final AtomicInteger EVENTS = new AtomicInteger();

  final ManualClock clock = ManualClock.at(Instant.parse("2026-11-22T10:00:00Z"));
  final InMemoryStore store;
  final WebhookRegistry registry;

  Harness() {
    this(new InMemoryStore());
  }

  /** A harness on the given store (a spy, for instance). */
  Harness(InMemoryStore store) {
    this.store = store;
    this.registry =
        WebhookRegistry.builder()
            .store(store)
            .clock(clock)
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
  }

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
    TestWebhooks.markVerified(registry, w.id());
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

  /** Waits, with a bound, until the condition holds (see {@link Poll}). */
  static void await(Duration max, BooleanSupplier condition) {
    Poll.until(max, condition, "the condition awaited at the caller's line (see the stack trace)");
  }

  /**
   * Starts a WireMock server on 127.0.0.1 and warms it up: its first answers with a body take over
   * a second on a cold JVM, which would look like a timeout to the short deadlines the tests use.
   * The caller stops it.
   */
  static WireMockServer wireMock() {
    WireMockServer server =
        new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
    server.start();
    try {
      warm(server);
    } catch (RuntimeException | Error e) {
      server.stop();
      throw e;
    }
    return server;
  }

  private static void warm(WireMockServer server) {
    server.stubFor(
        any(urlEqualTo("/warmup")).willReturn(aResponse().withStatus(200).withBody("warm")));
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try {
      for (int i = 0; i < 3; i++) {
        HttpResponse<String> r =
            client.send(
                HttpRequest.newBuilder(URI.create(server.baseUrl() + "/warmup"))
                    .timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString("{}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
          throw new AssertionError("warm-up answered " + r.statusCode());
        }
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
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
