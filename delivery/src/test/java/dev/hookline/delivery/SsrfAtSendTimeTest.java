package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.hookline.AddressPolicy;
import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.ErrorKind;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.VerificationResult;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.filter.Filters;
import dev.hookline.spi.HostResolver;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.TestWebhooks;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The SSRF guard runs again before every attempt and every handshake: a name that resolved to a
 * public address at registration and rebinds to 127.0.0.1 never reaches a loopback listener, and a
 * redirect to an internal address is never followed.
 *
 * <p>To let the control case show that the listener <em>would</em> be reached, the HTTP client
 * routes every connection to the loopback listener through a {@link ProxySelector}: the stand-in
 * for "the JDK resolves the rebound name to 127.0.0.1 and connects". The guard decides before
 * either can happen.
 */
class SsrfAtSendTimeTest {
  private static final String HOST = "rebind.example.test";

  private final ManualClock clock = ManualClock.at(Instant.parse("2026-11-22T10:00:00Z"));
  private final AtomicReference<String> dnsAnswer = new AtomicReference<>("93.184.216.34");
  private final HostResolver fakeDns =
      host -> {
        if (!host.equals(HOST)) {
          throw new UnknownHostException(host);
        }
        return List.of(InetAddress.getByName(dnsAnswer.get()));
      };
  private final AtomicInteger connections = new AtomicInteger();
  private final List<String> firstLines = new java.util.concurrent.CopyOnWriteArrayList<>();
  private ServerSocket listener = newListener();
  private Thread acceptor = new Thread(() -> {});

  private ServerSocket newListener() {
    try {
      return new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @BeforeEach
  void startListener() {
    acceptor =
        new Thread(
            () -> {
              while (!listener.isClosed()) {
                try {
                  Socket s = listener.accept();
                  connections.incrementAndGet();
                  s.setSoTimeout(2000);
                  byte[] head = new byte[256];
                  int n = s.getInputStream().read(head);
                  if (n > 0) {
                    String text = new String(head, 0, n, StandardCharsets.ISO_8859_1);
                    int eol = text.indexOf('\r');
                    firstLines.add(eol >= 0 ? text.substring(0, eol) : text);
                  }
                  s.close();
                } catch (IOException e) {
                  return; // closed
                }
              }
            },
            "loopback-listener");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  @AfterEach
  void stopListener() throws Exception {
    listener.close();
    acceptor.join(5_000);
  }

  private HttpClient clientRoutedToTheListener() {
    return HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NEVER)
        .proxy(
            ProxySelector.of(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort())))
        // Generous: on a loaded machine (CI, 2 cores) a first connection can take seconds, and a
        // connect that timed out before reaching the listener failed the control case below.
        .connectTimeout(Duration.ofSeconds(20))
        .build();
  }

  private WebhookRegistry registry(AddressPolicy policy) {
    return WebhookRegistry.builder()
        .store(new InMemoryStore())
        .clock(clock)
        .filterCompiler(Filters.compiler())
        .addressPolicy(policy)
        .hostResolver(fakeDns)
        .build();
  }

  private static Webhook receiving(WebhookRegistry registry) {
    Webhook w =
        registry.create(
            WebhookDefinition.builder()
                .name("rebinding target")
                .uri("https://" + HOST + "/hook")
                .apiKey("k3y-0123456789-abcdef")
                .events(UserEvents.CREATED)
                .build());
    TestWebhooks.markVerified(registry, w.id());
    return registry.enable(w.id());
  }

  private Dispatcher dispatcher(WebhookRegistry registry) {
    return Dispatcher.builder()
        .registry(registry)
        .httpClient(clientRoutedToTheListener())
        .jitter(() -> 0.5)
        .retrySchedule(RetrySchedule.builder().attemptTimeout(Duration.ofSeconds(20)).build())
        .shutdownTimeout(Duration.ofSeconds(2))
        .build();
  }

  private Event event() {
    return Event.builder(UserEvents.CREATED).user("usr_1").occurredAt(clock.instant()).build();
  }

  @Test
  void aNameThatRebindsToLoopbackAfterRegistrationNeverReachesTheListener() {
    WebhookRegistry registry = registry(AddressPolicy.defaults());
    Webhook w = receiving(registry); // registration saw 93.184.216.34: accepted
    dnsAnswer.set("127.0.0.1"); // the attacker re-points the name
    try (Dispatcher d = dispatcher(registry)) {
      Event e = event();
      assertEquals(1, d.publish(e).count());
      d.runDueNow();
      Delivery delivery = d.deliveries(DeliveryQuery.builder().event(e.id()).build()).get(0);
      Attempt attempt = delivery.attempts().get(0);
      assertEquals(ErrorKind.BLOCKED_ADDRESS, attempt.error().orElseThrow());
      assertTrue(attempt.detail().contains("loopback address"), attempt.detail());
      assertEquals(DeliveryState.RETRYING, delivery.state(), "refused, kept for a later attempt");

      VerificationResult handshake = d.startVerification(w.id());
      assertFalse(handshake.verified());
      assertTrue(handshake.detail().contains("loopback"), handshake.detail());
    }
    assertEquals(0, connections.get(), "nothing reached the loopback listener");
  }

  @Test
  void controlWithLoopbackAllowListedTheSameSetupDoesReachTheListener() {
    WebhookRegistry registry = registry(AddressPolicy.builder().allowCidr("127.0.0.0/8").build());
    receiving(registry);
    dnsAnswer.set("127.0.0.1");
    try (Dispatcher d = dispatcher(registry)) {
      Event e = event();
      d.publish(e);
      d.runDueNow();
      Attempt attempt =
          d.deliveries(DeliveryQuery.builder().event(e.id()).build()).get(0).attempts().get(0);
      assertNotEquals(java.util.Optional.of(ErrorKind.BLOCKED_ADDRESS), attempt.error());
    }
    Harness.await(Duration.ofSeconds(30), () -> connections.get() > 0);
  }

  @Test
  void anEgressProxyConfiguredOnTheClientCarriesEveryRequestAfterTheGuard() {
    // The listener plays an egress proxy: the client asks it to tunnel to the webhook's host.
    WebhookRegistry registry = registry(AddressPolicy.defaults());
    receiving(registry); // hooks resolve to a public address: the guard lets them through
    try (Dispatcher d = dispatcher(registry)) {
      d.publish(event());
      d.runDueNow();
    }
    Harness.await(Duration.ofSeconds(30), () -> !firstLines.isEmpty());
    assertEquals("CONNECT " + HOST + ":443 HTTP/1.1", firstLines.get(0), firstLines.toString());
  }

  @Test
  void aRedirectToAnInternalAddressIsNotFollowedAndIsAFailure() throws Exception {
    AtomicInteger internalHits = new AtomicInteger();
    HttpServer internal =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    internal.createContext(
        "/",
        x -> {
          internalHits.incrementAndGet();
          x.sendResponseHeaders(200, -1);
          x.close();
        });
    internal.start();
    HttpServer endpoint =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    String location =
        "http://127.0.0.1:" + internal.getAddress().getPort() + "/admin/delete-everything";
    endpoint.createContext(
        "/",
        x -> {
          x.getRequestBody().readAllBytes();
          byte[] body = "moved".getBytes(StandardCharsets.UTF_8);
          x.getResponseHeaders().add("Location", location);
          x.sendResponseHeaders(302, body.length);
          x.getResponseBody().write(body);
          x.close();
        });
    endpoint.start();
    try {
      Harness h = new Harness();
      Webhook w =
          h.receiving(
              "http://127.0.0.1:" + endpoint.getAddress().getPort() + "/hook",
              null,
              UserEvents.CREATED);
      try (Dispatcher d = h.dispatcher(Duration.ofSeconds(2)).build()) {
        Event e = h.event(UserEvents.CREATED);
        d.publish(e);
        d.runDueNow();
        Delivery delivery = h.only(e.id());
        assertEquals(w.id(), delivery.webhookId());
        assertEquals(302, delivery.attempts().get(0).statusCode().getAsInt());
        assertEquals(DeliveryState.RETRYING, delivery.state());
      }
      assertEquals(0, internalHits.get(), "the redirect target saw no request");
    } finally {
      endpoint.stop(0);
      internal.stop(0);
    }
  }
}
