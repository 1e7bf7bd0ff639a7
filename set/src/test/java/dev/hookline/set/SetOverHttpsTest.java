package dev.hookline.set;

import static dev.hookline.set.Fixtures.ISSUER;
import static dev.hookline.set.Fixtures.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookFormat;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.RetrySchedule;
import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.set.SecurityEvent;
import dev.hookline.receiver.set.SecurityEventTokenVerifier;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.TestWebhooks;
import dev.hookline.testing.tls.TestCertificates;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A SET delivered end to end over real TLS on loopback: the listener is an HTTPS server with a
 * certificate from a CA the test makes, the dispatcher trusts that CA through its HttpClient, and
 * the listener's verifier fetches the sender's JWKS over https (no insecure-loopback switch), with
 * host name verification on.
 */
class SetOverHttpsTest {
  private static final String API_KEY = "tls-api-key-0123456789";
  private static final String AUDIENCE = "urn:hookline:tls";

  @Test
  void aSetIsDeliveredAndVerifiedOverHttpsWithTheJwksFetchedOverHttps() throws Exception {
    TestCertificates ca = TestCertificates.authority("Hookline SET test CA");
    ManualClock clock = ManualClock.at(T0);
    InMemorySigningKeys keys = InMemorySigningKeys.of(Fixtures.EC_1, clock, Duration.ofDays(1));
    HttpClient client =
        HttpClient.newBuilder()
            .sslContext(ca.clientContext())
            // The connect timeout covers the TLS handshake: generous, for a loaded CI machine.
            .connectTimeout(Duration.ofSeconds(30))
            .build();
    HttpsServer server =
        HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(
        new HttpsConfigurator(ca.issue("127.0.0.1", "localhost").serverContext()));
    ExecutorService executor = Executors.newFixedThreadPool(4);
    server.setExecutor(executor);
    AtomicReference<SecurityEventTokenVerifier> verifier = new AtomicReference<>();
    List<SecurityEvent> received = new CopyOnWriteArrayList<>();
    List<WebhookVerificationException> refused = new CopyOnWriteArrayList<>();
    List<String> contentTypes = new CopyOnWriteArrayList<>();
    server.createContext(
        "/.well-known/jwks.json",
        x -> {
          byte[] body = keys.jwks().json().getBytes(StandardCharsets.UTF_8);
          x.getResponseHeaders().set("Content-Type", "application/jwk-set+json");
          x.sendResponseHeaders(200, body.length);
          try (OutputStream out = x.getResponseBody()) {
            out.write(body);
          }
        });
    server.createContext(
        "/hook",
        x -> {
          SecurityEventTokenVerifier v = verifier.get();
          byte[] token;
          try (InputStream in = x.getRequestBody()) {
            token = in.readNBytes(v.maxBodyBytes() + 1);
          }
          contentTypes.add(x.getRequestHeaders().getFirst("Content-Type"));
          int status = 202;
          byte[] answer = new byte[0];
          try {
            SecurityEvent event = v.verify(x.getRequestHeaders(), token);
            received.add(event);
            v.complete(event);
          } catch (WebhookVerificationException e) {
            refused.add(e);
            status = SecurityEventTokenVerifier.httpStatus(e);
            answer = SecurityEventTokenVerifier.errorBody(e).getBytes(StandardCharsets.UTF_8);
          }
          x.sendResponseHeaders(status, answer.length == 0 ? -1 : answer.length);
          try (OutputStream out = x.getResponseBody()) {
            out.write(answer);
          }
        });
    server.start();
    String base = "https://127.0.0.1:" + server.getAddress().getPort();
    try {
      verifier.set(
          SecurityEventTokenVerifier.builder()
              .jwksUri(URI.create(base + "/.well-known/jwks.json"), client)
              .issuer(ISSUER)
              .audience(AUDIENCE)
              .apiKey(API_KEY)
              .clock(clock)
              .build());
      WebhookRegistry registry =
          WebhookRegistry.builder()
              .store(new InMemoryStore())
              .clock(clock)
              .allowInsecureLoopbackForDevelopment(true)
              .build();
      try (Dispatcher dispatcher =
          Dispatcher.builder()
              .registry(registry)
              .httpClient(client)
              .notificationFormat(
                  SecurityEventTokenFormat.builder().issuer(ISSUER).signingKeys(keys).build())
              .jitter(() -> 0.5)
              // The attempt covers two TLS handshakes (the send, and the listener's key set fetch
              // inside it): generous, as the connect timeout above, for a loaded CI machine (3 s,
              // the default, timed out once under a load average of 14).
              .retrySchedule(RetrySchedule.builder().attemptTimeout(Duration.ofSeconds(30)).build())
              .build()) {
        Webhook w =
            registry.create(
                WebhookDefinition.builder()
                    .name("SET listener over TLS")
                    .uri(base + "/hook")
                    .apiKey(API_KEY)
                    .events(UserEvents.CREATED)
                    .format(WebhookFormat.SECURITY_EVENT_TOKEN)
                    .audience(AUDIENCE)
                    .build());
        TestWebhooks.markVerified(registry, w.id());
        registry.enable(w.id());
        Event e =
            Event.builder(UserEvents.CREATED)
                .id("evt_tls_1")
                .occurredAt(clock.instant())
                .user("user-42")
                .data(JsonNodeFactory.instance.objectNode().put("email", "ada@example.com"))
                .build();
        dispatcher.publish(e);
        assertEquals(1, dispatcher.runDueNow());

        Delivery d = dispatcher.deliveries(DeliveryQuery.builder().event(e.id()).build()).get(0);
        assertEquals(DeliveryState.SUCCEEDED, d.state(), d.attempts() + " refused: " + refused);
        assertEquals(202, d.attempts().get(0).statusCode().orElse(-1));
        assertEquals(List.of(), refused);
        assertEquals(1, received.size());
        assertEquals("evt_tls_1", received.get(0).eventId());
        assertEquals(List.of("application/secevent+jwt"), contentTypes);
      }

      // The same key set fetched by a client that does not trust the CA: no keys, so 503.
      SecurityEventTokenVerifier untrusting =
          SecurityEventTokenVerifier.builder()
              .allowWithoutApiKey()
              .jwksUri(URI.create(base + "/.well-known/jwks.json"), HttpClient.newHttpClient())
              .issuer(ISSUER)
              .audience(AUDIENCE)
              .clock(clock)
              .build();
      String token =
          SecurityEventTokenFormat.builder()
              .issuer(ISSUER)
              .signingKeys(keys)
              .build()
              .token(
                  Fixtures.updated("evt_tls_2", clock.instant()),
                  Fixtures.webhook(base + "/hook", java.util.Optional.of(AUDIENCE)),
                  clock.instant());
      WebhookVerificationException e =
          assertThrows(
              WebhookVerificationException.class,
              () ->
                  untrusting.verify(java.util.Map.of(), token.getBytes(StandardCharsets.US_ASCII)));
      assertEquals(WebhookVerificationException.Reason.KEY_SET_UNAVAILABLE, e.reason());
      assertEquals(503, SecurityEventTokenVerifier.httpStatus(e));
    } finally {
      server.stop(0);
      executor.shutdownNow();
    }
  }
}
