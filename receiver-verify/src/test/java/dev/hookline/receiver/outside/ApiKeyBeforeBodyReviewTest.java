package dev.hookline.receiver.outside;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.standardwebhooks.Webhook;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.hookline.receiver.Notification;
import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.receiver.WebhookVerifier;
import dev.hookline.testing.ManualClock;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Ninth review round: {@code VerifyingHandler} checked a notification's API key before reading its
 * body, but that check was package-private, so a listener written for another framework (the Spring
 * one in docs/receiving.md) or on {@link WebhookVerifier} directly had to read and buffer up to
 * {@code maxBodyBytes} (1 MiB by default) of every request before {@code verify} refused a wrong
 * key: a cheap way to make a listener allocate megabytes for each unauthenticated request. {@link
 * WebhookVerifier#checkApiKey} is now public. This test lives outside the package on purpose: it
 * uses only the public API, as a framework listener does.
 */
class ApiKeyBeforeBodyReviewTest {
  private static final Instant NOW = Instant.parse("2026-12-02T09:00:00Z");
  private static final String API_KEY = "hk_9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e";
  private static final String NEXT_API_KEY = "hk_1234abcd5678efab9012cdef3456abcd";
  private static final String WRONG_KEY = "hk_9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4f";
  private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

  private final ManualClock clock = ManualClock.at(NOW);
  private final WebhookVerifier verifier =
      WebhookVerifier.builder()
          .apiKey(API_KEY)
          .apiKey(NEXT_API_KEY) // a rotation: both are accepted
          .signingSecret(SECRET)
          .clock(clock)
          .build();

  private final ExecutorService serverThreads = Executors.newFixedThreadPool(2);
  private HttpServer server;

  @AfterEach
  void stop() throws InterruptedException {
    if (server != null) {
      server.stop(0);
    }
    serverThreads.shutdown();
    assertTrue(serverThreads.awaitTermination(10, TimeUnit.SECONDS));
  }

  private static byte[] body(String id) {
    return ("{\"id\":\""
            + id
            + "\",\"type\":\"user.created\",\"timestamp\":\"2026-12-02T08:59:59.000Z\","
            + "\"data\":{\"userId\":\"u_7\"}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** Signed by the reference Standard Webhooks library, as a sender does. */
  private static Map<String, List<String>> headers(String apiKey, String id, byte[] body)
      throws Exception {
    long ts = NOW.getEpochSecond();
    Map<String, List<String>> h = new LinkedHashMap<>();
    if (apiKey != null) {
      h.put("Authorization", List.of("Bearer " + apiKey));
    }
    h.put("Content-Type", List.of("application/json"));
    h.put("webhook-id", List.of(id));
    h.put("webhook-timestamp", List.of(Long.toString(ts)));
    h.put(
        "webhook-signature",
        List.of(new Webhook(SECRET).sign(id, ts, new String(body, StandardCharsets.UTF_8))));
    return h;
  }

  /** The reason checkApiKey refuses the headers for, or null if it accepts them. */
  private Reason checked(Map<String, ? extends Collection<String>> headers) {
    try {
      verifier.checkApiKey(headers);
      return null;
    } catch (WebhookVerificationException e) {
      assertNoKeyIn(e.getMessage());
      return e.reason();
    }
  }

  private static void assertNoKeyIn(String message) {
    for (String key : List.of(API_KEY, NEXT_API_KEY, WRONG_KEY, "9b8a7f6e", "1234abcd")) {
      assertFalse(message.contains(key), () -> "the message shows a key: " + message);
    }
  }

  /**
   * A framework listener as docs/receiving.md shows it, on the JDK server over loopback: the API
   * key first, then at most {@code maxBodyBytes + 1} bytes of the body, then {@code verify}. A
   * filter counts the body bytes the listener reads.
   */
  @Test
  void aListenerRefusesAWrongOrMissingKeyWithoutReadingTheBodyOverHttp() throws Exception {
    AtomicLong bodyBytesRead = new AtomicLong();
    ConcurrentLinkedQueue<String> outcomes = new ConcurrentLinkedQueue<>();
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(serverThreads);
    server
        .createContext(
            "/hookline",
            exchange -> {
              int status;
              try {
                verifier.checkApiKey(exchange.getRequestHeaders());
                byte[] body = exchange.getRequestBody().readNBytes(verifier.maxBodyBytes() + 1);
                Notification n = verifier.verify(exchange.getRequestHeaders(), body);
                verifier.complete(n);
                outcomes.add("processed " + n.id());
                status = 204;
              } catch (WebhookVerificationException e) {
                outcomes.add(e.reason() + ": " + e.getMessage());
                status = e.reason().httpStatus();
              }
              exchange.sendResponseHeaders(status, -1);
              exchange.close();
            })
        .getFilters()
        .add(new CountingFilter(bodyBytesRead));
    server.start();
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hookline");

    byte[] body = body("evt_wrong");
    assertEquals(401, post(client, uri, headers(WRONG_KEY, "evt_wrong", body), body));
    assertEquals(401, post(client, uri, headers(null, "evt_wrong", body), body));
    assertEquals(0, bodyBytesRead.get(), "none of a refused body was read");

    byte[] genuine = body("evt_right");
    assertEquals(204, post(client, uri, headers(API_KEY, "evt_right", genuine), genuine));
    assertEquals(genuine.length, bodyBytesRead.get(), "the genuine body was read");
    byte[] next = body("evt_next");
    assertEquals(204, post(client, uri, headers(NEXT_API_KEY, "evt_next", next), next));
    assertEquals(
        List.of(
            "INVALID_API_KEY: the API key in the Authorization header is not accepted",
            "MISSING_API_KEY: the request has no Authorization header",
            "processed evt_right",
            "processed evt_next"),
        new ArrayList<>(outcomes));
  }

  private static int post(
      HttpClient client, URI uri, Map<String, List<String>> headers, byte[] body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach((name, values) -> values.forEach(v -> b.header(name, v)));
    return client.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** Counts the request body bytes the listener reads (not what the server drains after it). */
  private static final class CountingFilter extends Filter {
    private final AtomicLong count;

    CountingFilter(AtomicLong count) {
      this.count = count;
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
      exchange.setStreams(new CountingInputStream(exchange.getRequestBody(), count), null);
      chain.doFilter(exchange);
    }

    @Override
    public String description() {
      return "counts the request body bytes read";
    }
  }

  private static final class CountingInputStream extends FilterInputStream {
    private final AtomicLong count;

    CountingInputStream(InputStream in, AtomicLong count) {
      super(in);
      this.count = count;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count.incrementAndGet();
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count.addAndGet(n);
      }
      return n;
    }
  }

  @Test
  void headerNamesMatchInAnyCaseAndInEveryHeaderMapShape() {
    String bearer = "Bearer " + API_KEY;
    assertEquals(null, checked(Map.of("authorization", List.of(bearer))));
    assertEquals(null, checked(Map.of("AUTHORIZATION", List.of(bearer))));
    assertEquals(null, checked(Map.of("Authorization", List.of("bearer " + NEXT_API_KEY))));
    Map<String, List<String>> caseInsensitive = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    caseInsensitive.put("aUtHoRiZaTiOn", List.of(bearer)); // as Spring's HttpHeaders holds them
    assertEquals(null, checked(caseInsensitive));
    HttpHeaders javaNet = HttpHeaders.of(Map.of("Authorization", List.of(bearer)), (n, v) -> true);
    assertEquals(null, checked(javaNet.map()));

    assertEquals(Reason.MISSING_API_KEY, checked(Map.of()));
    assertEquals(Reason.MISSING_API_KEY, checked(Map.of("Authorization", List.of("Bearer"))));
    assertEquals(Reason.INVALID_API_KEY, checked(Map.of("Authorization", List.of(WRONG_KEY))));
    assertEquals(
        Reason.INVALID_API_KEY, checked(Map.of("Authorization", List.of("Basic " + API_KEY))));
    assertEquals(
        Reason.INVALID_API_KEY, checked(Map.of("Authorization", List.of("Bearer " + WRONG_KEY))));
  }

  /** A repeated Authorization header is refused, as verify refuses it: two readers could differ. */
  @Test
  void aRepeatedOrOverlongAuthorizationHeaderIsMalformed() {
    String bearer = "Bearer " + API_KEY;
    assertEquals(
        Reason.MALFORMED_HEADER,
        checked(Map.of("Authorization", List.of(bearer, "Bearer " + WRONG_KEY))));
    assertEquals(
        Reason.MALFORMED_HEADER, checked(Map.of("Authorization", List.of(bearer, bearer))));
    Map<String, List<String>> twoNames = new LinkedHashMap<>();
    twoNames.put("Authorization", List.of(bearer));
    twoNames.put("authorization", List.of(bearer));
    assertEquals(Reason.MALFORMED_HEADER, checked(twoNames));
    assertEquals(
        Reason.MALFORMED_HEADER,
        checked(Map.of("Authorization", List.of("Bearer " + "k".repeat(4096)))));
    assertThrows(NullPointerException.class, () -> verifier.checkApiKey(null));
  }

  /**
   * The public check is the one verify runs (the same comparison over SHA-256 digests of every
   * accepted key, in constant time): for each Authorization header, both accept it or both refuse
   * it for the same reason.
   */
  @Test
  void theCheckAgreesWithVerifyOnEveryAuthorizationHeader() throws Exception {
    List<List<String>> variants =
        List.of(
            List.of(),
            List.of("Bearer " + API_KEY),
            List.of("bearer  " + NEXT_API_KEY + " "),
            List.of("Bearer " + WRONG_KEY),
            List.of("Bearer " + API_KEY.substring(1)),
            List.of("Bearer"),
            List.of("Token " + API_KEY),
            List.of("Bearer " + API_KEY, "Bearer " + API_KEY));
    int i = 0;
    for (List<String> authorization : variants) {
      String id = "evt_agree_" + i++;
      byte[] body = body(id);
      Map<String, List<String>> h = headers(null, id, body);
      if (!authorization.isEmpty()) {
        h.put("Authorization", authorization);
      }
      Reason byVerify;
      try {
        verifier.verify(h, body);
        byVerify = null;
      } catch (WebhookVerificationException e) {
        byVerify = e.reason();
      }
      assertEquals(byVerify, checked(h), authorization.toString());
    }
  }

  /**
   * There is no "no API key configured" case in which the check would accept everyone: {@code
   * build()} refuses a verifier without one, signed or not.
   */
  @Test
  void aVerifierAlwaysHasAnApiKeySoTheCheckNeverAcceptsWithoutOne() {
    assertThrows(
        IllegalStateException.class, () -> WebhookVerifier.builder().signingSecret(SECRET).build());
    assertThrows(
        IllegalStateException.class,
        () -> WebhookVerifier.builder().allowUnsignedNotifications().build());
    WebhookVerifier unsigned =
        WebhookVerifier.builder().apiKey(API_KEY).allowUnsignedNotifications().build();
    assertThrows(WebhookVerificationException.class, () -> unsigned.checkApiKey(Map.of()));
    unsigned.checkApiKey(Map.of("Authorization", List.of("Bearer " + API_KEY)));
  }

  /** The check reads only the Authorization header: the body-less headers of a POST suffice. */
  @Test
  void onlyTheAuthorizationHeaderIsRead() {
    Map<String, List<String>> h = new LinkedHashMap<>();
    h.put("Authorization", List.of("Bearer " + API_KEY));
    h.put("webhook-id", List.of("evt_a", "evt_b")); // verify refuses this; the key check does not
    h.put("webhook-timestamp", List.of("not a number"));
    assertEquals(null, checked(h));
  }
}
