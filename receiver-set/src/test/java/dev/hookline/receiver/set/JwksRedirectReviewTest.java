package dev.hookline.receiver.set;

import static dev.hookline.receiver.set.Tokens.AUDIENCE;
import static dev.hookline.receiver.set.Tokens.ISSUER;
import static dev.hookline.receiver.set.Tokens.RSA;
import static dev.hookline.receiver.set.Tokens.bearer;
import static dev.hookline.receiver.set.Tokens.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.tls.TestCertificates;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The https-only rule for the key set holds for where its keys actually come from, not only for the
 * configured URI: the caller's {@link HttpClient} may follow redirects, and with {@code
 * Redirect.ALWAYS} it follows one from https to http, where anyone on the path could serve their
 * own keys (or point the next hop at their own https host). Every hop must pass the rule {@code
 * jwksUri} applies at build; a redirect from https to https is still followed.
 */
class JwksRedirectReviewTest {
  private static final TestCertificates CA = TestCertificates.authority("Hookline JWKS redirect");

  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

  private final ExecutorService executor = Executors.newFixedThreadPool(2);
  private HttpsServer https;
  private JwksServer plain;

  @BeforeEach
  void start() throws IOException {
    plain = new JwksServer(Tokens.jwks(RSA)); // the keys, over plain http on loopback
    https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    https.setHttpsConfigurator(
        new HttpsConfigurator(CA.issue("127.0.0.1", "localhost").serverContext()));
    https.setExecutor(executor);
    redirect("/to-http/jwks.json", plain.uri().toString());
    redirect("/to-https/jwks.json", httpsUri("/.well-known/jwks.json").toString());
    https.createContext(
        "/.well-known/jwks.json",
        x -> {
          byte[] body = Tokens.jwks(RSA).getBytes(StandardCharsets.UTF_8);
          x.sendResponseHeaders(200, body.length);
          try (OutputStream out = x.getResponseBody()) {
            out.write(body);
          }
        });
    https.start();
  }

  @AfterEach
  void stop() {
    https.stop(0);
    executor.shutdownNow();
    plain.close();
  }

  private void redirect(String path, String location) {
    https.createContext(
        path,
        x -> {
          x.getResponseHeaders().set("Location", location);
          x.sendResponseHeaders(302, -1);
          x.close();
        });
  }

  private URI httpsUri(String path) {
    return URI.create("https://127.0.0.1:" + https.getAddress().getPort() + path);
  }

  private SecurityEventTokenVerifier verifier(String path) {
    HttpClient client =
        HttpClient.newBuilder()
            .sslContext(CA.clientContext())
            .followRedirects(HttpClient.Redirect.ALWAYS) // the caller's choice, as for any client
            .connectTimeout(Duration.ofSeconds(30)) // covers the TLS handshake on a loaded machine
            .build();
    return SecurityEventTokenVerifier.builder()
        .allowWithoutApiKey()
        .jwksUri(httpsUri(path), client)
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .clock(ManualClock.at(NOW))
        .build();
  }

  @Test
  void keysReachedByARedirectToHttpAreNotUsed() {
    SecurityEventTokenVerifier v = verifier("/to-http/jwks.json");
    WebhookVerificationException e =
        assertThrows(
            WebhookVerificationException.class,
            () -> v.verify(bearer(), bytes(Tokens.rs256("evt_redirected", NOW))));
    assertEquals(Reason.KEY_SET_UNAVAILABLE, e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains("redirected to http://127.0.0.1:"), e.getMessage());
    assertFalse(e.getMessage().contains("/.well-known"), "no path is shown: " + e.getMessage());
  }

  @Test
  void aRedirectFromHttpsToHttpsIsStillFollowed() {
    SecurityEventTokenVerifier v = verifier("/to-https/jwks.json");
    assertEquals("evt_https", v.verify(bearer(), bytes(Tokens.rs256("evt_https", NOW))).jti());
  }
}
