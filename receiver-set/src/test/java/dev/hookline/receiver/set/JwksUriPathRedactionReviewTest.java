package dev.hookline.receiver.set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.testing.ManualClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Review round 9: a key set URL that carries a token in its path (a capability URL, {@code
 * https://idp.example/t/<token>/jwks.json}) showed it in every refusal's message and WARN line:
 * only a query was hidden. The URL is now shown as core's {@code UriDisplay} shows a webhook
 * endpoint in logs, scheme, host and port with {@code /…} for the rest, also where the caller's
 * HTTP client quotes it in its exception's message.
 */
class JwksUriPathRedactionReviewTest {
  private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
  private static final String SECRET = "p4th-t0ken-s3cr3t";
  private static ECKey key;
  private static byte[] token;

  @BeforeAll
  static void sign() throws Exception {
    // EC, and not through Tokens, whose RSA keys take seconds to generate on a busy machine
    key = new ECKeyGenerator(Curve.P_256).keyID("ec-path").generate();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.ES256)
                .keyID("ec-path")
                .type(new JOSEObjectType("secevent+jwt"))
                .build(),
            new JWTClaimsSet.Builder()
                .issuer(Tokens.ISSUER)
                .audience(Tokens.AUDIENCE)
                .issueTime(Date.from(NOW))
                .jwtID("evt_1")
                .claim("events", Map.of("https://example.com/e", Map.of()))
                .build());
    jwt.sign(new ECDSASigner(key));
    token = jwt.serialize().getBytes(StandardCharsets.US_ASCII);
  }

  private static SecurityEventTokenVerifier verifier(URI uri, HttpClient client) {
    return SecurityEventTokenVerifier.builder()
        .allowWithoutApiKey()
        .jwksUri(uri, client)
        .allowInsecureLoopbackJwksForDevelopment(true)
        .issuer(Tokens.ISSUER)
        .audience(Tokens.AUDIENCE)
        .clock(ManualClock.at(NOW))
        .build();
  }

  /** The same server, the token in the path: {@code /t/<token>/jwks.json}. */
  private static URI capability(URI served) {
    return served.resolve("/t/" + SECRET + "/jwks.json");
  }

  /** What the endpoint is shown as: scheme, host and port, and {@code /…}. */
  private static String shown(URI uri) {
    return "http://" + uri.getHost() + ":" + uri.getPort() + "/…";
  }

  /** The refusal's message and what was logged meanwhile. */
  private record Outcome(String message, String log) {
    void assertShows(String expected) {
      for (String text : new String[] {message, log}) {
        assertTrue(text.contains(expected), "no " + expected + " in: " + text);
        assertFalse(text.contains(SECRET), "the path's token shown: " + text);
        assertFalse(text.contains("jwks.json"), "the path shown: " + text);
      }
    }
  }

  private static Outcome refuse(SecurityEventTokenVerifier v) {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.err;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    WebhookVerificationException e;
    try {
      e = assertThrows(WebhookVerificationException.class, () -> v.verify(Map.of(), token));
    } finally {
      System.setErr(original);
    }
    assertEquals(Reason.KEY_SET_UNAVAILABLE, e.reason(), e.getMessage());
    return new Outcome(e.getMessage(), captured.toString(StandardCharsets.UTF_8));
  }

  @Test
  void anHttpErrorShowsTheEndpointWithoutItsPath() {
    try (JwksServer server = new JwksServer(new JWKSet(key.toPublicJWK()).toString())) {
      URI uri = capability(server.uri()); // no such context: the server answers 404
      refuse(verifier(uri, server.client())).assertShows(shown(uri) + " answered HTTP 404");
    }
  }

  @Test
  void aRefusedConnectionShowsTheEndpointWithoutItsPath() {
    URI uri;
    try (JwksServer server = new JwksServer("{}")) {
      uri = capability(server.uri()); // closed: its port refuses connections
    }
    Outcome o = refuse(verifier(uri, HttpClient.newHttpClient()));
    o.assertShows(shown(uri) + " could not be fetched");
    o.assertShows("could not connect to " + uri.getHost() + ":" + uri.getPort());
  }

  @Test
  void aBodyThatIsNoKeySetShowsTheEndpointWithoutItsPath() {
    try (JwksServer server = new JwksServer("{\"keys\": 42}")) {
      // the test server answers every path under its context
      URI uri = URI.create(server.uri() + "/" + SECRET);
      refuse(verifier(uri, server.client())).assertShows(shown(uri) + " is not a JSON Web Key Set");
    }
  }

  @Test
  void aClientFailureQuotingTheUriShowsItWithoutItsPath() {
    try (JwksServer server = new JwksServer("{}")) {
      URI uri = capability(server.uri());
      Outcome o = refuse(verifier(uri, new QuotingClient(server.client())));
      o.assertShows("GET " + shown(uri) + " failed");
      o.assertShows(shown(uri) + " could not be read: java.io.IOException");
    }
  }

  /**
   * A caller's client whose failures quote the request's URI, as wrappers and instrumented clients
   * do: every exchange fails so.
   */
  private static final class QuotingClient extends HttpClient {
    private final HttpClient delegate;

    QuotingClient(HttpClient delegate) {
      this.delegate = delegate;
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(
        HttpRequest request, HttpResponse.BodyHandler<T> handler) {
      return CompletableFuture.failedFuture(
          new IOException(
              "GET " + request.uri() + " failed (path " + request.uri().getPath() + ")"));
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(
        HttpRequest request,
        HttpResponse.BodyHandler<T> handler,
        HttpResponse.PushPromiseHandler<T> push) {
      return sendAsync(request, handler);
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
        throws IOException {
      throw new IOException("GET " + request.uri() + " failed");
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
      return delegate.cookieHandler();
    }

    @Override
    public Optional<Duration> connectTimeout() {
      return delegate.connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
      return delegate.followRedirects();
    }

    @Override
    public Optional<ProxySelector> proxy() {
      return delegate.proxy();
    }

    @Override
    public SSLContext sslContext() {
      return delegate.sslContext();
    }

    @Override
    public SSLParameters sslParameters() {
      return delegate.sslParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
      return delegate.authenticator();
    }

    @Override
    public Version version() {
      return delegate.version();
    }

    @Override
    public Optional<Executor> executor() {
      return delegate.executor();
    }
  }
}
