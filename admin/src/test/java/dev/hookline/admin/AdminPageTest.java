package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.store.InMemoryStore;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AdminPageTest {
  static HttpServer server;
  static Dispatcher dispatcher;
  static HttpClient client = HttpClient.newHttpClient();
  static String base;

  @BeforeAll
  static void start() throws Exception {
    WebhookRegistry registry = WebhookRegistry.builder().store(new InMemoryStore()).build();
    dispatcher = Dispatcher.builder().registry(registry).build();
    AdminApi api = AdminApi.builder().registry(registry).dispatcher(dispatcher).build();
    server =
        HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    AdminHttpHandlers.mount(server, api);
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterAll
  static void stop() {
    server.stop(0);
    dispatcher.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(base + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void indexIsServedWithStrictSecurityHeaders() throws Exception {
    HttpResponse<String> r = get("/admin/");
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("text/html"));
    String csp = r.headers().firstValue("Content-Security-Policy").orElseThrow();
    assertTrue(csp.contains("script-src 'self'"), csp);
    assertTrue(csp.contains("default-src 'none'"), csp);
    assertTrue(csp.contains("frame-ancestors 'none'"), csp);
    assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElseThrow());
    assertEquals("no-referrer", r.headers().firstValue("Referrer-Policy").orElseThrow());
  }

  @Test
  void pathWithoutSlashRedirects() throws Exception {
    HttpResponse<String> r = get("/admin");
    assertEquals(301, r.statusCode());
    assertEquals("/admin/", r.headers().firstValue("Location").orElseThrow());
  }

  @Test
  void traversalAndUnknownFilesAreNotFound() throws Exception {
    assertEquals(404, get("/admin/../module-info.class").statusCode());
    assertEquals(404, get("/admin/%2e%2e/AdminApi.class").statusCode());
    assertEquals(404, get("/admin/nope.js").statusCode());
  }

  @Test
  void pageRefusesWrites() throws Exception {
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(URI.create(base + "/admin/"))
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(405, r.statusCode());
  }

  @Test
  void thePageCallsTheApiWhereTheHostMountedIt() throws Exception {
    assertTrue(
        get("/admin/").body().contains("<meta name=\"hookline-api-base\" content=\"/api/v1\">"));
    WebhookRegistry registry = WebhookRegistry.builder().store(new InMemoryStore()).build();
    try (Dispatcher other = Dispatcher.builder().registry(registry).build()) {
      AdminApi api =
          AdminApi.builder().registry(registry).dispatcher(other).basePath("/manage/v2").build();
      HttpServer s =
          HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
      AdminHttpHandlers.mount(s, api);
      s.start();
      try {
        HttpResponse<String> r =
            client.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + s.getAddress().getPort() + "/admin/"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertTrue(
            r.body().contains("<meta name=\"hookline-api-base\" content=\"/manage/v2\">"),
            r.body());
      } finally {
        s.stop(0);
      }
    }
  }
}
