package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.hookline.Event;
import dev.hookline.EventType;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.admin.spi.AdminStore;
import dev.hookline.admin.store.InMemoryAdminStore;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.RetrySchedule;
import dev.hookline.filter.Filters;
import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.TestWebhooks;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * One admin API on loopback over an in-memory store and a manual clock, a loopback endpoint that
 * answers the handshake and notifications with a chosen status, and a recording client. Tests of
 * one class share it; each test makes its own webhooks.
 */
final class AdminHarness implements AutoCloseable {
  static final String API_KEY = "harness-api-key-0123456789abcdef";
  private static final AtomicInteger EVENTS = new AtomicInteger();

  final ManualClock clock = ManualClock.at(Instant.parse("2026-11-30T10:00:00Z"));
  final InMemoryStore store = new InMemoryStore();
  final AdminStore adminStore;
  final WebhookRegistry registry;
  final Dispatcher dispatcher;
  final AdminApi api;
  final HttpServer server;
  final HttpServer endpoint;
  final AtomicInteger endpointStatus = new AtomicInteger(200);
  final AtomicInteger notifications = new AtomicInteger();
  final Http http;
  final String endpointUri;

  /** A host-level token with every scope. */
  final String root;

  AdminHarness() {
    this(new InMemoryAdminStore(), b -> {});
  }

  AdminHarness(AdminStore adminStore, Consumer<AdminApi.Builder> configure) {
    this(adminStore, UnaryOperator.identity(), r -> {}, configure);
  }

  /**
   * A harness whose registry uses {@code decorate(store)} and is further configured by {@code
   * configureRegistry}; {@link #store} stays the undecorated in-memory store.
   */
  AdminHarness(
      AdminStore adminStore,
      UnaryOperator<Store> decorate,
      Consumer<WebhookRegistry.Builder> configureRegistry,
      Consumer<AdminApi.Builder> configure) {
    this.adminStore = adminStore;
    WebhookRegistry.Builder rb =
        WebhookRegistry.builder()
            .store(decorate.apply(store))
            .clock(clock)
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true);
    configureRegistry.accept(rb);
    registry = rb.build();
    dispatcher =
        Dispatcher.builder()
            .registry(registry)
            .clock(clock)
            .jitter(() -> 0.5)
            .retrySchedule(
                RetrySchedule.builder()
                    .delays(List.of())
                    .attemptTimeout(Duration.ofSeconds(5))
                    .build())
            .verificationTimeout(Duration.ofSeconds(5))
            .shutdownTimeout(Duration.ofSeconds(2))
            .build();
    AdminApi.Builder b =
        AdminApi.builder().registry(registry).dispatcher(dispatcher).store(adminStore).clock(clock);
    configure.accept(b);
    api = b.build();
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      AdminHttpHandlers.mount(server, api);
      server.start();
      endpoint = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    endpoint.createContext(
        "/hook",
        exchange -> {
          try (exchange;
              InputStream in = exchange.getRequestBody()) {
            in.readAllBytes();
            String key = exchange.getRequestHeaders().getFirst("X-Verification-Key");
            byte[] body;
            int status;
            if (exchange.getRequestMethod().equals("GET") && key != null) {
              body = ("{\"key\":\"" + key + "\"}").getBytes(StandardCharsets.UTF_8);
              status = 200;
            } else {
              notifications.incrementAndGet();
              status = endpointStatus.get();
              body = ("endpoint said " + status).getBytes(StandardCharsets.UTF_8);
            }
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          }
        });
    endpoint.start();
    endpointUri = "http://127.0.0.1:" + endpoint.getAddress().getPort() + "/hook";
    http = new Http("http://127.0.0.1:" + server.getAddress().getPort());
    root =
        api.issueToken("root", Optional.empty(), EnumSet.allOf(Scope.class), Optional.empty())
            .token()
            .reveal();
  }

  String base() {
    return api.basePath();
  }

  /** A token bound to a tenant (or the host, if null) with the given scopes. */
  String token(String tenant, Scope... scopes) {
    return api.issueToken("test", Optional.ofNullable(tenant), Set.of(scopes), Optional.empty())
        .token()
        .reveal();
  }

  String tenantToken(String tenant) {
    return token(tenant, Scope.values());
  }

  /** A webhook made through the registry (not the API), neither verified nor enabled. */
  Webhook webhook(String tenant, String name) {
    return registry.create(
        WebhookDefinition.builder()
            .name(name)
            .uri(endpointUri)
            .apiKey(API_KEY)
            .eventNames(List.of("user.created", "user.deleted"))
            .tenant(tenant)
            .build());
  }

  /** A webhook that receives events. */
  Webhook receiving(String tenant, String name) {
    Webhook w = webhook(tenant, name);
    TestWebhooks.markVerified(registry, w.id());
    return registry.enable(w.id());
  }

  Event event(EventType type, String tenant) {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    String user = "user-" + EVENTS.incrementAndGet();
    data.put("user_id", user);
    dev.hookline.Subject subject = dev.hookline.Subject.user(user);
    return Event.builder(type)
        .id("evt_admin_" + EVENTS.incrementAndGet())
        .occurredAt(clock.instant())
        .subject(tenant == null ? subject : subject.withTenant(tenant))
        .data(data)
        .build();
  }

  /** Publishes {@code n} user.created events and runs their attempts at the endpoint's status. */
  void deliver(String tenant, int n, int status) {
    endpointStatus.set(status);
    for (int i = 0; i < n; i++) {
      dispatcher.publish(event(dev.hookline.UserEvents.CREATED, tenant));
    }
    dispatcher.runDueNow();
  }

  String webhooks() {
    return base() + "/webhooks";
  }

  String createBody(String name) {
    return "{\"name\":\""
        + name
        + "\",\"description\":\"d\",\"uri\":\""
        + endpointUri
        + "\",\"api_key\":\""
        + API_KEY
        + "\",\"subscribed_events\":[\"user.created\",\"User deleted\"]}";
  }

  /** Creates a webhook through the API and returns its id. */
  String create(String token, String name) {
    Http.Exchange e = http.post(webhooks(), token, createBody(name));
    assertEquals(201, e.status(), e::toString);
    return e.json().get("id").asText();
  }

  @Override
  public void close() {
    server.stop(0);
    endpoint.stop(0);
    dispatcher.close();
  }
}
