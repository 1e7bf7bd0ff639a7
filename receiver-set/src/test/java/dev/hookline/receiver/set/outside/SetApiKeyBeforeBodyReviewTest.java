package dev.hookline.receiver.set.outside;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.receiver.set.SecurityEvent;
import dev.hookline.receiver.set.SecurityEventTokenVerifier;
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
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
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
 * Ninth review round: {@link SecurityEventTokenVerifier#verify} checked the body size before the
 * API key and had no public key-only check, and the SET listener in docs/receiving.md read up to
 * {@code maxBodyBytes + 1} bytes (1 MiB by default) of every request before verifying it: anyone
 * without the key could make a SET listener read and buffer a megabyte per request. {@link
 * SecurityEventTokenVerifier#checkApiKey} is now public, as receiver-verify's {@code
 * WebhookVerifier.checkApiKey} (the same name and header map), and {@code verify} runs it first.
 * The API key is optional here: a verifier without one accepts every request in the check. This
 * test lives outside the package on purpose: it uses only the public API, as a listener does.
 */
class SetApiKeyBeforeBodyReviewTest {
  private static final Instant NOW = Instant.parse("2026-12-02T09:00:00Z");
  private static final String ISSUER = "https://id.example.com";
  private static final String AUDIENCE = "https://rp.example.com/hookline";
  private static final String API_KEY = "hk_9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e";
  private static final String NEXT_API_KEY = "hk_1234abcd5678efab9012cdef3456abcd";
  private static final String WRONG_KEY = "hk_9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4f";
  private static final RSAKey SIGNING_KEY = rsaKey();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ManualClock clock = ManualClock.at(NOW);
  private final SecurityEventTokenVerifier verifier =
      builder()
          .apiKey(API_KEY)
          .apiKey(NEXT_API_KEY) // a rotation: both are accepted
          .build();
  private final SecurityEventTokenVerifier withoutKey = builder().allowWithoutApiKey().build();

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

  private SecurityEventTokenVerifier.Builder builder() {
    return SecurityEventTokenVerifier.builder()
        .jwks(new JWKSet(SIGNING_KEY.toPublicJWK()).toString())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .clock(clock);
  }

  private static RSAKey rsaKey() {
    try {
      return new RSAKeyGenerator(2048).keyID("2026-12").generate();
    } catch (JOSEException e) {
      throw new AssertionError(e);
    }
  }

  /** A SET as a sender (Hookline's or any other) signs it. */
  private static byte[] token(String jti) {
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .issueTime(Date.from(NOW))
            .jwtID(jti)
            .claim(
                "events",
                Map.of(
                    "https://schemas.hookline.dev/secevent/user.updated",
                    Map.of("subject", Map.of("user_id", "usr_ada"), "changed", List.of("email"))))
            .build();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256)
                .keyID(SIGNING_KEY.getKeyID())
                .type(new JOSEObjectType("secevent+jwt"))
                .build(),
            claims);
    try {
      jwt.sign(new RSASSASigner(SIGNING_KEY));
    } catch (JOSEException e) {
      throw new AssertionError(e);
    }
    return jwt.serialize().getBytes(StandardCharsets.US_ASCII);
  }

  private static Map<String, List<String>> bearer(String apiKey) {
    Map<String, List<String>> h = new LinkedHashMap<>();
    h.put("Content-Type", List.of("application/secevent+jwt"));
    if (apiKey != null) {
      h.put("Authorization", List.of("Bearer " + apiKey));
    }
    return h;
  }

  /** The reason checkApiKey refuses the headers for, or null if it accepts them. */
  private static Reason checked(
      SecurityEventTokenVerifier v, Map<String, ? extends Collection<String>> headers) {
    try {
      v.checkApiKey(headers);
      return null;
    } catch (WebhookVerificationException e) {
      assertNoKeyIn(e.getMessage());
      assertNoKeyIn(SecurityEventTokenVerifier.errorBody(e));
      return e.reason();
    }
  }

  private Reason checked(Map<String, ? extends Collection<String>> headers) {
    return checked(verifier, headers);
  }

  private static void assertNoKeyIn(String message) {
    for (String key : List.of(API_KEY, NEXT_API_KEY, WRONG_KEY, "9b8a7f6e", "1234abcd")) {
      assertFalse(message.contains(key), () -> "the message shows a key: " + message);
    }
  }

  /**
   * A listener on the JDK server over loopback, with the public API only: the API key first, then
   * at most {@code maxBodyBytes + 1} bytes of the body, then {@code verify}. A filter counts the
   * body bytes the listener reads (not those the server drains after it).
   */
  private URI listen(SecurityEventTokenVerifier v, AtomicLong read, Collection<String> outcomes)
      throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(serverThreads);
    server
        .createContext(
            "/hookline",
            exchange -> {
              int status = 202;
              byte[] answer = new byte[0];
              try {
                v.checkApiKey(exchange.getRequestHeaders());
                byte[] body = exchange.getRequestBody().readNBytes(v.maxBodyBytes() + 1);
                SecurityEvent event = v.verify(exchange.getRequestHeaders(), body);
                v.complete(event);
                outcomes.add("processed " + event.jti());
              } catch (WebhookVerificationException e) {
                outcomes.add(e.reason() + ": " + e.getMessage());
                status = SecurityEventTokenVerifier.httpStatus(e);
                answer = SecurityEventTokenVerifier.errorBody(e).getBytes(StandardCharsets.UTF_8);
              }
              exchange.sendResponseHeaders(status, answer.length == 0 ? -1 : answer.length);
              exchange.getResponseBody().write(answer);
              exchange.close();
            })
        .getFilters()
        .add(new CountingFilter(read));
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hookline");
  }

  @Test
  void aListenerRefusesAWrongOrMissingKeyWithoutReadingTheBodyOverHttp() throws Exception {
    AtomicLong read = new AtomicLong();
    ConcurrentLinkedQueue<String> outcomes = new ConcurrentLinkedQueue<>();
    URI uri = listen(verifier, read, outcomes);
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    byte[] token = token("jti_wrong");
    HttpResponse<String> wrong = post(client, uri, bearer(WRONG_KEY), token);
    assertEquals(400, wrong.statusCode());
    assertEquals("authentication_failed", JSON.readTree(wrong.body()).get("err").asText());
    assertEquals(400, post(client, uri, bearer(null), token).statusCode());
    byte[] junk = new byte[32 << 10]; // not a token at all: still not read
    Arrays.fill(junk, (byte) 'a');
    assertEquals(400, post(client, uri, bearer(WRONG_KEY), junk).statusCode());
    assertEquals(0, read.get(), "none of a refused body was read");

    byte[] genuine = token("jti_right");
    assertEquals(202, post(client, uri, bearer(API_KEY), genuine).statusCode());
    assertEquals(genuine.length, read.get(), "the genuine body was read");
    assertEquals(202, post(client, uri, bearer(NEXT_API_KEY), token("jti_next")).statusCode());
    assertEquals(
        List.of(
            "INVALID_API_KEY: the API key is not accepted",
            "MISSING_API_KEY: the request has no Authorization header",
            "INVALID_API_KEY: the API key is not accepted",
            "processed jti_right",
            "processed jti_next"),
        new ArrayList<>(outcomes));
  }

  /**
   * A verifier built with allowWithoutApiKey() and no key has none to check: the check accepts
   * every request, whatever its Authorization header, and the listener reads and verifies the
   * token, whose signature alone authenticates it.
   */
  @Test
  void withoutAConfiguredKeyTheCheckAcceptsEveryRequest() throws Exception {
    AtomicLong read = new AtomicLong();
    ConcurrentLinkedQueue<String> outcomes = new ConcurrentLinkedQueue<>();
    URI uri = listen(withoutKey, read, outcomes);
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    byte[] none = token("jti_none");
    assertEquals(202, post(client, uri, bearer(null), none).statusCode());
    byte[] any = token("jti_any");
    assertEquals(202, post(client, uri, bearer(WRONG_KEY), any).statusCode());
    assertEquals(none.length + any.length, read.get());
    assertEquals(List.of("processed jti_none", "processed jti_any"), new ArrayList<>(outcomes));

    assertNull(checked(withoutKey, Map.of()));
    assertNull(checked(withoutKey, Map.of("Authorization", List.of("Basic " + WRONG_KEY))));
    assertNull(
        checked(withoutKey, Map.of("Authorization", List.of("Bearer a", "Bearer b"))),
        "the header is not read at all, as verify does not read it");
    assertThrows(NullPointerException.class, () -> withoutKey.checkApiKey(null));
    // ... and it still answers no verification handshake: that needs a key.
    Map<String, List<String>> handshake = bearer(API_KEY);
    handshake.put("X-Verification-Key", List.of("challenge-123"));
    WebhookVerificationException e =
        assertThrows(
            WebhookVerificationException.class, () -> withoutKey.handshake("GET", handshake));
    assertEquals(Reason.MISSING_API_KEY, e.reason());
  }

  @Test
  void headerNamesMatchInAnyCaseAndInEveryHeaderMapShape() {
    String bearer = "Bearer " + API_KEY;
    assertNull(checked(Map.of("authorization", List.of(bearer))));
    assertNull(checked(Map.of("AUTHORIZATION", List.of(bearer))));
    assertNull(checked(Map.of("Authorization", List.of("bearer " + NEXT_API_KEY))));
    assertNull(checked(Map.of("Authorization", List.of("Bearer  " + API_KEY + " "))));
    Map<String, List<String>> caseInsensitive = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    caseInsensitive.put("aUtHoRiZaTiOn", List.of(bearer)); // as Spring's HttpHeaders holds them
    assertNull(checked(caseInsensitive));
    HttpHeaders javaNet = HttpHeaders.of(Map.of("Authorization", List.of(bearer)), (n, v) -> true);
    assertNull(checked(javaNet.map()));
    com.sun.net.httpserver.Headers jdk = new com.sun.net.httpserver.Headers();
    jdk.add("authorization", bearer);
    assertNull(checked(jdk));

    assertEquals(Reason.MISSING_API_KEY, checked(Map.of()));
    assertEquals(Reason.MISSING_API_KEY, checked(Map.of("Authorization", List.of(" "))));
    assertEquals(Reason.INVALID_API_KEY, checked(Map.of("Authorization", List.of(API_KEY))));
    // no key after the scheme: missing, as WebhookVerifier says
    // (BearerWithoutKeyAgreementReviewTest)
    assertEquals(Reason.MISSING_API_KEY, checked(Map.of("Authorization", List.of("Bearer"))));
    assertEquals(
        Reason.INVALID_API_KEY, checked(Map.of("Authorization", List.of("Basic " + API_KEY))));
    assertEquals(
        Reason.INVALID_API_KEY, checked(Map.of("Authorization", List.of("Bearer " + WRONG_KEY))));
    assertEquals(
        Reason.INVALID_API_KEY,
        checked(Map.of("Authorization", List.of("Bearer " + API_KEY.substring(1)))));
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
   * The public check is the one verify runs first (the same comparison over SHA-256 digests of
   * every accepted key, in constant time): for each Authorization header, both accept it or both
   * refuse it for the same reason, and the answer (RFC 8935's 400 and error code) is the same.
   */
  @Test
  void theCheckAgreesWithVerifyOnEveryAuthorizationHeader() {
    List<List<String>> variants =
        List.of(
            List.of(),
            List.of("Bearer " + API_KEY),
            List.of("bearer  " + NEXT_API_KEY + " "),
            List.of("Bearer " + WRONG_KEY),
            List.of("Bearer " + API_KEY.substring(1)),
            List.of("Bearer"),
            List.of(" "),
            List.of("Token " + API_KEY),
            List.of("Bearer " + API_KEY, "Bearer " + API_KEY),
            List.of("Bearer " + "k".repeat(4096)));
    int i = 0;
    for (List<String> authorization : variants) {
      byte[] body = token("jti_agree_" + i++);
      Map<String, List<String>> h = bearer(null);
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
   * verify checks the key before the body's size, as the check comes first in a listener: a wrong
   * key with a body over the limit is refused for the key (400 authentication_failed), not 413.
   */
  @Test
  void verifyChecksTheKeyBeforeTheBodySize() {
    byte[] oversized = new byte[verifier.maxBodyBytes() + 1];
    WebhookVerificationException wrong =
        assertThrows(
            WebhookVerificationException.class,
            () -> verifier.verify(bearer(WRONG_KEY), oversized));
    assertEquals(Reason.INVALID_API_KEY, wrong.reason());
    assertEquals(400, SecurityEventTokenVerifier.httpStatus(wrong));
    WebhookVerificationException right =
        assertThrows(
            WebhookVerificationException.class, () -> verifier.verify(bearer(API_KEY), oversized));
    assertEquals(Reason.BODY_TOO_LARGE, right.reason());
    assertEquals(413, SecurityEventTokenVerifier.httpStatus(right));
  }

  private static HttpResponse<String> post(
      HttpClient client, URI uri, Map<String, List<String>> headers, byte[] body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach((name, values) -> values.forEach(v -> b.header(name, v)));
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
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
}
