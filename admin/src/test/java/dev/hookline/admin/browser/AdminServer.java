package dev.hookline.admin.browser;

import com.sun.net.httpserver.HttpServer;
import dev.hookline.Event;
import dev.hookline.EventType;
import dev.hookline.UserEvents;
import dev.hookline.WebhookRegistry;
import dev.hookline.admin.AdminApi;
import dev.hookline.admin.AdminHttpHandlers;
import dev.hookline.admin.Scope;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.RetrySchedule;
import dev.hookline.filter.Filters;
import dev.hookline.store.InMemoryStore;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The real thing the page talks to: an in-memory Store, a registry and a running dispatcher (with
 * quick retries), the admin API mounted on a JDK HttpServer on 127.0.0.1, two tokens (every scope;
 * read-only) and a loopback listener. One per test JVM ({@link SharedBrowser}). Not thread-safe to
 * build; the running server is.
 */
final class AdminServer implements AutoCloseable {
  final InMemoryStore store = new InMemoryStore();
  final WebhookRegistry registry;
  final Dispatcher dispatcher;
  final AdminApi api;
  final HttpServer server;
  final TestListener listener;
  final String adminToken;
  final String readOnlyToken;
  private final HttpClient http = HttpClient.newHttpClient();

  AdminServer() throws IOException {
    registry =
        WebhookRegistry.builder()
            .store(store)
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true) // the listener is plain http on loopback
            .build();
    dispatcher =
        Dispatcher.builder()
            .registry(registry)
            .retrySchedule(
                RetrySchedule.builder()
                    .delays(Duration.ofMillis(100), Duration.ofMillis(200))
                    .attemptTimeout(Duration.ofSeconds(5))
                    .build())
            .pollInterval(Duration.ofMillis(50))
            .redeliveryPace(Duration.ofMillis(20))
            .build()
            .start();
    api =
        AdminApi.builder()
            .registry(registry)
            .dispatcher(dispatcher)
            .recoverPace(Duration.ofMillis(20))
            .build();
    adminToken =
        api.issueToken(
                "browser tests", Optional.empty(), EnumSet.allOf(Scope.class), Optional.empty())
            .token()
            .reveal();
    readOnlyToken =
        api.issueToken(
                "read-only browser tests",
                Optional.empty(),
                Set.of(Scope.WEBHOOKS_READ, Scope.DELIVERIES_READ),
                Optional.empty())
            .token()
            .reveal();
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    AdminHttpHandlers.mount(server, api);
    server.start();
    listener = new TestListener();
  }

  /** The page's address, {@code http://127.0.0.1:port/admin/}. */
  String page() {
    return base() + "/admin/";
  }

  String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Publishes one {@code user.created} event for every webhook that subscribes to it. */
  void publishUserCreated(String userId) {
    publish(UserEvents.CREATED, userId);
  }

  /** Publishes one event of {@code type} for every webhook that subscribes to it. */
  void publish(EventType type, String userId) {
    dispatcher.publish(Event.builder(type).user(userId).occurredAt(Instant.now()).build());
  }

  /** Calls the REST API directly, as another client would. */
  HttpResponse<String> call(
      String method, String path, String token, String contentType, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base() + api.basePath() + path))
            .header("Authorization", "Bearer " + token)
            .timeout(Duration.ofSeconds(10));
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", contentType)
          .method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return call("GET", path, adminToken, null, null);
  }

  @Override
  public void close() {
    server.stop(0);
    listener.close();
    dispatcher.close();
    store.close();
  }
}
