package dev.hookline.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Webhook;
import dev.hookline.WebhookRegistry;
import dev.hookline.admin.AdminApi;
import dev.hookline.admin.Authenticator;
import dev.hookline.admin.Principal;
import dev.hookline.admin.Scope;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.ServletWebServerFactoryAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The admin API and page in a Spring Boot servlet application on embedded Tomcat, over real HTTP on
 * loopback: one context for the class, mounted under a servlet context path.
 */
class AdminServletTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** What the application's Authenticator saw of the last request it recognised. */
  private static final AtomicReference<String> AUTHENTICATED_FROM = new AtomicReference<>();

  private static ConfigurableApplicationContext context;
  private static HttpClient http;
  private static String base;

  @BeforeAll
  static void start() {
    context =
        new SpringApplicationBuilder(Application.class)
            .web(WebApplicationType.SERVLET)
            .properties(
                "server.port=0",
                "server.address=127.0.0.1",
                "server.servlet.context-path=/app",
                "spring.main.banner-mode=off",
                "hookline.admin.enabled=true")
            .run();
    int port = ((WebServerApplicationContext) context).getWebServer().getPort();
    base = "http://127.0.0.1:" + port + "/app/hookline";
    http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
  }

  @AfterAll
  static void stop() {
    if (context != null) {
      context.close();
    }
  }

  @Test
  void theOpenApiDocumentIsServedWithoutAToken() throws Exception {
    HttpResponse<String> r = send(get("/api/v1/openapi.json"));
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
    assertTrue(r.body().contains("\"openapi\""), r.body());
  }

  @Test
  void aTokenIssuedThroughTheAdminApiBeanListsWebhooks() throws Exception {
    Webhook w = Webhooks.receiving(context.getBean(WebhookRegistry.class), "https://example.com/h");
    String token = token(EnumSet.of(Scope.WEBHOOKS_READ));

    HttpResponse<String> r = send(get("/api/v1/webhooks").header("Authorization", token));

    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains(w.id()), r.body());
    assertFalse(r.body().contains("test-api-key-0123456789"), "the API key is write-only");
    assertEquals("no-store", r.headers().firstValue("Cache-Control").orElse(""));
  }

  @Test
  void withoutATokenTheApiAnswers401() throws Exception {
    HttpResponse<String> r = send(get("/api/v1/webhooks"));

    assertEquals(401, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
    assertTrue(
        r.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
  }

  @Test
  void aCreateCarriesItsBodyAndAPatchReachesTheApi() throws Exception {
    String token = token(EnumSet.of(Scope.WEBHOOKS_READ, Scope.WEBHOOKS_WRITE));
    HttpResponse<String> created =
        send(
            post(
                    "/api/v1/webhooks",
                    "{\"name\":\"CRM sync\",\"uri\":\"https://example.com/crm\","
                        + "\"api_key\":\"a-long-random-api-key-123\","
                        + "\"subscribed_events\":[\"user.created\"]}")
                .header("Authorization", token));
    assertEquals(201, created.statusCode(), created.body());
    String location = created.headers().firstValue("Location").orElse("");
    // Under the context path and the mount, where the client can follow it.
    assertTrue(location.startsWith("/app/hookline/api/v1/webhooks/wh_"), location);

    HttpResponse<String> patched =
        send(
            HttpRequest.newBuilder(URI.create(base + location.substring("/app/hookline".length())))
                .timeout(TIMEOUT)
                .header("Authorization", token)
                .header("Content-Type", "application/merge-patch+json")
                .method(
                    "PATCH",
                    HttpRequest.BodyPublishers.ofString("{\"description\":\"CRM (EU)\"}")));
    assertEquals(200, patched.statusCode(), patched.body());
    assertTrue(patched.body().contains("CRM (EU)"), patched.body());
  }

  @Test
  void aBodyOverTheAdminsLimitIs413() throws Exception {
    String token = token(EnumSet.of(Scope.WEBHOOKS_WRITE));
    int limit = context.getBean(AdminApi.class).maxBodyBytes();
    String big = "{\"name\":\"" + "x".repeat(limit) + "\"}";

    HttpResponse<String> r = send(post("/api/v1/webhooks", big).header("Authorization", token));

    assertEquals(413, r.statusCode(), r.body());
  }

  @Test
  void theApplicationsAuthenticatorIsConsultedWithTheClientsAddress() throws Exception {
    HttpResponse<String> r = send(get("/api/v1/me").header("X-Test-User", "ops"));

    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("ops"), r.body());
    assertEquals("127.0.0.1", AUTHENTICATED_FROM.get());
  }

  @Test
  void thePageIsServedWithItsSecurityHeadersAndCallsTheApiWhereItIsMounted() throws Exception {
    HttpResponse<String> r = send(get("/admin/"));

    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
    String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
    assertTrue(csp.contains("frame-ancestors 'none'"), csp);
    assertTrue(csp.contains("script-src 'self'"), csp);
    assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""));
    assertTrue(
        r.body().contains("<meta name=\"hookline-api-base\" content=\"/app/hookline/api/v1\">"),
        r.body());

    HttpResponse<String> withoutSlash = send(get("/admin"));
    assertEquals(301, withoutSlash.statusCode());
    assertEquals("/app/hookline/admin/", withoutSlash.headers().firstValue("Location").orElse(""));
  }

  @Test
  void aHeadRequestGetsTheHeadersOnly() throws Exception {
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(URI.create(base + "/admin/"))
                .timeout(TIMEOUT)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));

    assertEquals(200, r.statusCode());
    assertEquals("", r.body());
    assertTrue(r.headers().firstValue("Content-Security-Policy").isPresent());
  }

  @Test
  void nothingElseOfTheApplicationIsServedByTheAdminServlet() throws Exception {
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(URI.create(base.replace("/hookline", "/elsewhere")))
                .timeout(TIMEOUT)
                .GET());

    assertEquals(404, r.statusCode());
  }

  private static String token(EnumSet<Scope> scopes) {
    return "Bearer "
        + context
            .getBean(AdminApi.class)
            .issueToken("spring test", Optional.empty(), scopes, Optional.empty())
            .token()
            .reveal();
  }

  private static HttpRequest.Builder get(String path) {
    return HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT).GET();
  }

  private static HttpRequest.Builder post(String path, String json) {
    return HttpRequest.newBuilder(URI.create(base + path))
        .timeout(TIMEOUT)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /** A servlet web application with Hookline's auto-configurations and nothing else. */
  @Configuration(proxyBeanMethods = false)
  @ImportAutoConfiguration({
    ServletWebServerFactoryAutoConfiguration.class,
    HooklineAutoConfiguration.class,
    HooklineAdminAutoConfiguration.class
  })
  static class Application {
    /** Recognises "X-Test-User: <name>" as a host-level principal that may read webhooks. */
    @Bean
    Authenticator testAuthenticator() {
      return request ->
          request
              .header("X-Test-User")
              .map(
                  name -> {
                    AUTHENTICATED_FROM.set(request.remoteAddress());
                    return new Principal(
                        name, Optional.empty(), Optional.empty(), EnumSet.of(Scope.WEBHOOKS_READ));
                  });
    }

    /** Every host name is one public address: no DNS lookup leaves the test. */
    @Bean
    WebhookRegistryCustomizer publicAddressForEveryHost() {
      return b ->
          b.hostResolver(
              host -> List.of(InetAddress.getByAddress(host, new byte[] {93, (byte) 184, 1, 1})));
    }
  }
}
