package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookFormat;
import dev.hookline.WebhookRegistry;
import dev.hookline.admin.internal.VerificationLimits;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.Poll;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /webhooks/{id}/verify} holds a request thread until the endpoint answers, so the API
 * bounds how many run at once: one per webhook, {@link VerificationLimits#perTenant} per tenant,
 * {@link VerificationLimits#total} in all. Past a bound the answer is 429 at once, and the rest of
 * the API keeps answering. Over real HTTP, on servers with a thread per request; the endpoint holds
 * each handshake until the test lets it through.
 */
class VerificationLimitTest {
  private static final String API_KEY = "limit-api-key-0123456789abcdef";
  private static final VerificationLimits LIMITS = VerificationLimits.DEFAULTS;

  /** Permits for the handshakes the slow endpoint holds. */
  private final Semaphore gate = new Semaphore(0);

  /** Handshakes that reached the slow endpoint. */
  private final AtomicInteger arrived = new AtomicInteger();

  private final ExecutorService pool = Executors.newCachedThreadPool();
  private HttpServer endpoint;
  private String endpointBase;
  private Stack stack;

  /** A registry, dispatcher and admin API, served on loopback by a server with a thread pool. */
  private final class Stack implements AutoCloseable {
    final WebhookRegistry registry;
    final Dispatcher dispatcher;
    final HttpServer server;
    final Http http;
    final String root;

    Stack(Duration verificationTimeout) {
      ManualClock clock = ManualClock.at(Instant.parse("2026-12-01T10:00:00Z"));
      registry =
          WebhookRegistry.builder()
              .store(new InMemoryStore())
              .clock(clock)
              .allowInsecureLoopbackForDevelopment(true)
              .build();
      dispatcher =
          Dispatcher.builder()
              .registry(registry)
              .clock(clock)
              .verificationTimeout(verificationTimeout)
              .shutdownTimeout(Duration.ofSeconds(2))
              .build();
      AdminApi api = AdminApi.builder().registry(registry).dispatcher(dispatcher).build();
      try {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      server.setExecutor(pool);
      AdminHttpHandlers.mount(server, api);
      server.start();
      http = new Http("http://127.0.0.1:" + server.getAddress().getPort());
      root =
          api.issueToken("root", Optional.empty(), EnumSet.allOf(Scope.class), Optional.empty())
              .token()
              .reveal();
    }

    Webhook webhook(String tenant, String path) {
      return registry.create(
          WebhookDefinition.builder()
              .name("limited")
              .uri(endpointBase + path)
              .apiKey(API_KEY)
              .events(UserEvents.CREATED)
              .tenant(tenant)
              .build());
    }

    Http.Exchange verify(Webhook w) {
      return http.post("/api/v1/webhooks/" + w.id() + "/verify", root, null);
    }

    CompletableFuture<Http.Exchange> verifyInBackground(Webhook w) {
      return CompletableFuture.supplyAsync(() -> verify(w), pool);
    }

    @Override
    public void close() {
      server.stop(0);
      dispatcher.close();
    }
  }

  @BeforeEach
  void startEndpoint() throws IOException {
    endpoint = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    endpoint.setExecutor(pool);
    endpoint.createContext(
        "/slow",
        exchange -> {
          arrived.incrementAndGet();
          try {
            if (gate.tryAcquire(30, TimeUnit.SECONDS)) {
              echo(exchange);
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            exchange.close();
          }
        });
    endpoint.createContext(
        "/fast",
        exchange -> {
          try (exchange) {
            echo(exchange);
          }
        });
    endpoint.start();
    endpointBase = "http://127.0.0.1:" + endpoint.getAddress().getPort();
  }

  private static void echo(HttpExchange exchange) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      in.readAllBytes();
    }
    String key = exchange.getRequestHeaders().getFirst("X-Verification-Key");
    byte[] body = ("{\"key\":\"" + key + "\"}").getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @AfterEach
  void stop() {
    gate.release(1000); // lets every held handshake end
    if (stack != null) {
      stack.close();
    }
    endpoint.stop(0);
    pool.shutdownNow();
  }

  /** Waits until {@code n} handshakes reached the slow endpoint. */
  private void awaitArrivals(int n) {
    Poll.until(
        Duration.ofSeconds(10),
        () -> arrived.get() >= n,
        () -> n + " handshakes at the endpoint, saw " + arrived.get());
  }

  /**
   * Sends a verification expected to be refused. On a server without the bound it would reach the
   * endpoint and wait there: that fails the test at once rather than after the timeouts.
   */
  private Http.Exchange refused(Webhook w) {
    int before = arrived.get();
    CompletableFuture<Http.Exchange> answer = stack.verifyInBackground(w);
    Poll.until(
        Duration.ofSeconds(10),
        () -> answer.isDone() || arrived.get() > before,
        "an answer, or the handshake at the endpoint");
    assertEquals(before, arrived.get(), "the verification was run, not refused");
    Http.Exchange e = answer.join();
    assertEquals(429, e.status(), e::toString);
    assertEquals("application/problem+json", e.contentType());
    assertEquals("https://hookline.dev/problems/rate-limited", e.json().get("type").asText());
    assertEquals(429, e.json().get("status").asInt());
    assertEquals(Long.toString(LIMITS.retryAfter().toSeconds()), e.header("Retry-After"));
    return e;
  }

  private static void assertVerified(Http.Exchange e) {
    assertEquals(200, e.status(), e::toString);
    assertTrue(e.json().get("verified").asBoolean(), e::toString);
  }

  @Test
  void aWebhookHasOneVerificationAtATimeAndTheApiKeepsAnswering() throws Exception {
    stack = new Stack(Duration.ofSeconds(30));
    Webhook w = stack.webhook("acme", "/slow");
    CompletableFuture<Http.Exchange> first = stack.verifyInBackground(w);
    awaitArrivals(1);

    Http.Exchange second = refused(w);
    assertTrue(second.json().get("detail").asText().contains("this webhook"), second::toString);
    Http.Exchange list = stack.http.get("/api/v1/webhooks", stack.root);
    assertEquals(200, list.status(), list::toString);

    gate.release();
    assertVerified(first.get(10, TimeUnit.SECONDS));
    gate.release();
    assertVerified(stack.verify(w)); // the place was given back
  }

  @Test
  void aTenantRunsAFewAtOnceAndOtherTenantsAreNotHeldUp() throws Exception {
    stack = new Stack(Duration.ofSeconds(30));
    List<CompletableFuture<Http.Exchange>> running = new ArrayList<>();
    for (int i = 0; i < LIMITS.perTenant(); i++) {
      running.add(stack.verifyInBackground(stack.webhook("acme", "/slow")));
    }
    awaitArrivals(LIMITS.perTenant());

    Webhook onePast = stack.webhook("acme", "/slow");
    Http.Exchange e = refused(onePast);
    assertTrue(e.json().get("detail").asText().contains("tenant"), e::toString);
    assertVerified(stack.verify(stack.webhook("globex", "/fast")));

    gate.release(LIMITS.perTenant());
    for (CompletableFuture<Http.Exchange> r : running) {
      assertVerified(r.get(10, TimeUnit.SECONDS));
    }
    gate.release();
    assertVerified(stack.verify(onePast));
  }

  @Test
  void theServerRunsABoundedNumberInAll() throws Exception {
    assertEquals(0, LIMITS.total() % LIMITS.perTenant(), "the test fills the total by tenants");
    stack = new Stack(Duration.ofSeconds(30));
    List<CompletableFuture<Http.Exchange>> running = new ArrayList<>();
    for (int t = 0; t < LIMITS.total() / LIMITS.perTenant(); t++) {
      for (int i = 0; i < LIMITS.perTenant(); i++) {
        running.add(stack.verifyInBackground(stack.webhook("tenant-" + t, "/slow")));
      }
    }
    awaitArrivals(LIMITS.total());

    Webhook otherTenant = stack.webhook("other", "/fast");
    Http.Exchange e = refused(otherTenant);
    assertTrue(e.json().get("detail").asText().contains("server"), e::toString);
    Http.Exchange hostsOwn = refused(stack.webhook(null, "/fast"));
    assertTrue(hostsOwn.json().get("detail").asText().contains("server"), hostsOwn::toString);
    assertEquals(200, stack.http.get("/api/v1/webhooks", stack.root).status());

    gate.release(LIMITS.total());
    for (CompletableFuture<Http.Exchange> r : running) {
      assertVerified(r.get(10, TimeUnit.SECONDS));
    }
    assertVerified(stack.verify(otherTenant));
  }

  @Test
  void aVerificationThatThrowsGivesItsPlaceBack() {
    stack = new Stack(Duration.ofSeconds(30));
    // The dispatcher was given no SECURITY_EVENT_TOKEN format: it refuses the handshake (409).
    Webhook w =
        stack.registry.create(
            WebhookDefinition.builder()
                .name("no format")
                .uri(endpointBase + "/fast")
                .apiKey(API_KEY)
                .events(UserEvents.CREATED)
                .format(WebhookFormat.SECURITY_EVENT_TOKEN)
                .tenant("acme")
                .build());
    for (int i = 0; i <= LIMITS.total(); i++) {
      Http.Exchange e = stack.verify(w);
      assertEquals(409, e.status(), e::toString);
      assertEquals(
          "https://hookline.dev/problems/format-unavailable", e.json().get("type").asText());
    }
    assertVerified(stack.verify(stack.webhook("acme", "/fast")));
  }

  @Test
  void aVerificationThatTimesOutGivesItsPlaceBack() {
    stack = new Stack(Duration.ofMillis(300));
    Webhook w = stack.webhook("acme", "/slow");
    for (int i = 1; i <= 2; i++) {
      Http.Exchange e = stack.verify(w); // nothing lets the endpoint answer
      assertEquals(200, e.status(), e::toString);
      assertFalse(e.json().get("verified").asBoolean(), e::toString);
      assertTrue(e.json().get("detail").asText().contains("no answer"), e::toString);
      assertEquals(i, arrived.get());
    }
  }
}
