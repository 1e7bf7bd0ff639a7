package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;
import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryState;
import dev.hookline.ErrorKind;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.VerificationResult;
import dev.hookline.Webhook;
import dev.hookline.WebhookStatus;
import dev.hookline.testing.tls.ServerCertificate;
import dev.hookline.testing.tls.TestCertificates;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Handshakes and deliveries over real TLS on loopback, against HTTPS listeners whose certificates a
 * CA made by the test issued: trusted, from an unknown CA, for another host, and expired. The
 * dispatcher trusts the test CA through the caller-owned {@code HttpClient} it is given.
 */
class TlsTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private static TestCertificates ca;
  private static ServerCertificate expiredCertificate;
  private static Listener trusted;
  private static Listener unknownCa;
  private static Listener wrongHost;
  private static Listener expired;
  private static HttpServer plainHttp;
  private static final AtomicInteger plainRequests = new AtomicInteger();

  private final Harness h = new Harness();
  private HttpClient client;
  private Dispatcher dispatcher;

  @BeforeAll
  static void startListeners() throws IOException {
    ca = TestCertificates.authority("Hookline test CA");
    TestCertificates unknown = TestCertificates.authority("Unknown CA");
    expiredCertificate = ca.issueExpired("127.0.0.1", "localhost");
    trusted = new Listener(ca.issue("127.0.0.1", "localhost"));
    unknownCa = new Listener(unknown.issue("127.0.0.1", "localhost"));
    wrongHost = new Listener(ca.issue("hooks.example.com"));
    expired = new Listener(expiredCertificate);

    plainHttp = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    plainHttp.createContext(
        "/",
        x -> {
          plainRequests.incrementAndGet();
          answer(x, 200, "");
        });
    plainHttp.start();
    // The trusted listener also answers /301, /302, ... with a redirect to plain HTTP.
    for (int status : new int[] {301, 302, 303, 307, 308}) {
      trusted.server.createContext(
          "/" + status,
          x -> {
            trusted.requests.add(x.getRequestMethod());
            x.getResponseHeaders()
                .add(
                    "Location",
                    "http://127.0.0.1:" + plainHttp.getAddress().getPort() + "/plain/" + status);
            answer(x, status, "");
          });
    }
  }

  @AfterAll
  static void stopListeners() {
    for (Listener l : List.of(trusted, unknownCa, wrongHost, expired)) {
      l.server.stop(0);
    }
    plainHttp.stop(0);
  }

  @BeforeEach
  void setUp() {
    for (Listener l : List.of(trusted, unknownCa, wrongHost, expired)) {
      l.requests.clear();
    }
    plainRequests.set(0);
    client =
        HttpClient.newBuilder()
            .sslContext(ca.clientContext())
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(TIMEOUT)
            .build();
    dispatcher = h.dispatcher(TIMEOUT).httpClient(client).verificationTimeout(TIMEOUT).build();
  }

  @AfterEach
  void tearDown() {
    dispatcher.close();
  }

  @Test
  void aHandshakeAndDeliveriesOverHttpsSucceedWhenTheSenderTrustsTheCa() {
    Webhook w = h.registered(trusted.uri("/hook"), null, UserEvents.CREATED);

    VerificationResult handshake = dispatcher.startVerification(w.id());
    assertTrue(handshake.verified(), handshake.detail());
    assertEquals(WebhookStatus.VERIFIED, h.registry.require(w.id()).status());
    h.registry.enable(w.id());

    Event first = h.event(UserEvents.CREATED);
    Event second = h.event(UserEvents.CREATED);
    dispatcher.publish(List.of(first, second));
    assertEquals(2, dispatcher.runDueNow());

    assertEquals(DeliveryState.SUCCEEDED, h.only(first.id()).state());
    assertEquals(DeliveryState.SUCCEEDED, h.only(second.id()).state());
    assertEquals(3, trusted.requests.size(), trusted.requests.toString());
    assertEquals(
        Set.of("GET", "POST " + first.id(), "POST " + second.id()), Set.copyOf(trusted.requests));
    assertTrue(
        trusted.protocols.stream().allMatch(p -> p.startsWith("TLSv1.")),
        "every request came over TLS: " + trusted.protocols);
  }

  @ParameterizedTest
  @ValueSource(strings = {"unknownCa", "wrongHost", "expired"})
  void aBadCertificateIsATlsFailureRetriedLikeAConnectionError(String which) {
    Listener endpoint = listener(which);
    Webhook w = h.receiving(endpoint.uri("/hook"), null, UserEvents.CREATED);
    Event e = h.event(UserEvents.CREATED);
    dispatcher.publish(e);
    assertEquals(1, dispatcher.runDueNow());

    Delivery d = h.only(e.id());
    assertEquals(DeliveryState.RETRYING, d.state());
    Attempt a = d.attempts().get(0);
    assertEquals(Optional.of(ErrorKind.TLS_FAILED), a.error(), a.detail());
    assertTrue(a.statusCode().isEmpty());
    assertTrue(a.detail().startsWith(expectedDetail(which)), a.detail());
    assertFalse(a.detail().contains(Harness.API_KEY), a.detail());
    assertEquals(Optional.of(h.clock.instant().plusSeconds(3)), d.nextAttemptAt());

    // The retry schedule goes on as for a connection error: 3 s, then 30 s.
    h.clock.advance(Duration.ofSeconds(3));
    assertEquals(1, dispatcher.runDueNow());
    d = h.only(e.id());
    assertEquals(DeliveryState.RETRYING, d.state());
    assertEquals(Optional.of(ErrorKind.TLS_FAILED), d.attempts().get(1).error());
    assertEquals(Optional.of(h.clock.instant().plusSeconds(30)), d.nextAttemptAt());
    assertEquals(List.of(), endpoint.requests, "no request got past the handshake");
    assertEquals(WebhookStatus.VERIFIED, h.registry.require(w.id()).status());
  }

  @ParameterizedTest
  @ValueSource(strings = {"unknownCa", "wrongHost", "expired"})
  void aHandshakeAgainstABadCertificateFailsAndSaysWhy(String which) {
    Webhook w = h.registered(listener(which).uri("/hook"), null, UserEvents.CREATED);

    VerificationResult handshake = dispatcher.startVerification(w.id());

    assertFalse(handshake.verified());
    assertTrue(handshake.detail().contains(expectedDetail(which)), handshake.detail());
    assertEquals(WebhookStatus.PENDING_VERIFICATION, h.registry.require(w.id()).status());
    assertEquals(List.of(), listener(which).requests);
  }

  @ParameterizedTest
  @ValueSource(ints = {301, 302, 303, 307, 308})
  void aRedirectFromHttpsToHttpIsNeverFollowed(int status) {
    Webhook w = h.receiving(trusted.uri("/" + status), null, UserEvents.CREATED);
    Event e = h.event(UserEvents.CREATED);
    dispatcher.publish(e);
    assertEquals(1, dispatcher.runDueNow());

    Delivery d = h.only(e.id());
    assertEquals(DeliveryState.RETRYING, d.state());
    assertEquals(status, d.attempts().get(0).statusCode().getAsInt());
    assertEquals(List.of("POST"), trusted.requests);

    Webhook pending = h.registered(trusted.uri("/" + status), null, UserEvents.CREATED);
    assertFalse(dispatcher.startVerification(pending.id()).verified());
    assertEquals(0, plainRequests.get(), "the http:// listener saw nothing");
    assertEquals(WebhookStatus.VERIFIED, h.registry.require(w.id()).status());
  }

  private static Listener listener(String which) {
    return switch (which) {
      case "unknownCa" -> unknownCa;
      case "wrongHost" -> wrongHost;
      case "expired" -> expired;
      default -> throw new IllegalArgumentException(which);
    };
  }

  private static String expectedDetail(String which) {
    return switch (which) {
      case "unknownCa" ->
          "certificate not trusted (PKIX path building failed): the endpoint's"
              + " certificate chain does not lead to a CA the sender trusts";
      case "wrongHost" -> "certificate does not match host 127.0.0.1";
      case "expired" ->
          "certificate expired on " + expiredCertificate.certificate().getNotAfter().toInstant();
      default -> throw new IllegalArgumentException(which);
    };
  }

  private static void answer(HttpExchange x, int status, String body) throws IOException {
    x.getRequestBody().readAllBytes();
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      x.getResponseBody().write(bytes);
    }
    x.close();
  }

  /**
   * An HTTPS listener on 127.0.0.1 that answers the verification handshake and accepts
   * notifications, recording each request ("GET", or "POST " and the webhook-id).
   */
  private static final class Listener {
    final HttpsServer server;
    final List<String> requests = new CopyOnWriteArrayList<>();
    final List<String> protocols = new CopyOnWriteArrayList<>();

    Listener(ServerCertificate certificate) throws IOException {
      server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.setHttpsConfigurator(new HttpsConfigurator(certificate.serverContext()));
      server.createContext(
          "/hook",
          x -> {
            protocols.add(((HttpsExchange) x).getSSLSession().getProtocol());
            if (x.getRequestMethod().equals("GET")) {
              requests.add("GET");
              String key = x.getRequestHeaders().getFirst("X-Verification-Key");
              answer(x, 200, "{\"key\":\"" + key + "\"}");
            } else {
              requests.add("POST " + x.getRequestHeaders().getFirst("webhook-id"));
              answer(x, 204, "");
            }
          });
      server.start();
    }

    String uri(String path) {
      return "https://127.0.0.1:" + server.getAddress().getPort() + path;
    }
  }
}
