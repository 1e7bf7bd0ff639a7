package dev.hookline.receiver.set;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import dev.hookline.receiver.ReplayGuard;
import dev.hookline.testing.ManualClock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The SET listener of docs/receiving.md ({@link ReceivingDocSnippetTest#serve}) caught only {@link
 * dev.hookline.receiver.WebhookVerificationException}: when a shared replay guard's store was down,
 * the exception {@code verify} (its {@code begin}) or {@code release} threw left the handler, and
 * the JDK server closed the connection without an answer and logged it at TRACE only. The sender
 * saw a broken connection, the listener's operator nothing. receiver-verify's {@code
 * VerifyingHandler} answers 500 and logs a WARN; so does the documented listener now.
 */
class DocListenerGuardDownReviewTest {

  /** A shared guard whose store is down while {@code down} is set. */
  private static final class FlakyGuard implements ReplayGuard {
    private final ReplayGuard inner;
    final AtomicBoolean beginDown = new AtomicBoolean();
    final AtomicBoolean abandonDown = new AtomicBoolean();

    FlakyGuard(ReplayGuard inner) {
      this.inner = inner;
    }

    @Override
    public State begin(String webhookId, Instant until) {
      if (beginDown.get()) {
        throw new IllegalStateException("the guard's store did not answer");
      }
      return inner.begin(webhookId, until);
    }

    @Override
    public void complete(String webhookId, Instant until) {
      inner.complete(webhookId, until);
    }

    @Override
    public void abandon(String webhookId) {
      inner.abandon(webhookId);
    }

    @Override
    public void abandon(String webhookId, Instant until) {
      if (abandonDown.get()) {
        throw new IllegalStateException("the guard's store did not answer");
      }
      inner.abandon(webhookId, until);
    }
  }

  @Test
  void aReplayGuardThatIsDownIsAnswered500AndTheRetryIsProcessed() throws Exception {
    ManualClock clock = ManualClock.at(Instant.parse("2026-11-22T10:00:00Z"));
    FlakyGuard guard = new FlakyGuard(ReplayGuard.inMemory(clock, 1000));
    SecurityEventTokenVerifier verifier =
        SecurityEventTokenVerifier.builder()
            .allowWithoutApiKey()
            .jwks(Tokens.jwks(Tokens.RSA))
            .issuer(Tokens.ISSUER)
            .audience(Tokens.AUDIENCE)
            .clock(clock)
            .replayGuard(guard)
            .build();
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    AtomicInteger runs = new AtomicInteger();
    AtomicBoolean fail = new AtomicBoolean(true);
    ReceivingDocSnippetTest.serve(
        verifier,
        server,
        event -> {
          runs.incrementAndGet();
          if (fail.get()) {
            throw new IllegalStateException("the application failed");
          }
        });
    try {
      String host = server.getAddress().getAddress().getHostAddress();
      URI hook =
          URI.create(
              "http://"
                  + (host.indexOf(':') >= 0 ? "[" + host + "]" : host)
                  + ":"
                  + server.getAddress().getPort()
                  + "/hookline");

      // verify cannot begin the token in the guard: an answer the sender retries, not a
      // connection closed without one
      guard.beginDown.set(true);
      assertEquals(500, post(client, hook, Tokens.rs256("evt_down", clock.instant())));
      assertEquals(0, runs.get(), "the application is not called without the guard");

      // the application fails and the guard cannot release the token: answered 500 too
      guard.beginDown.set(false);
      guard.abandonDown.set(true);
      clock.advance(Duration.ofSeconds(3));
      assertEquals(500, post(client, hook, Tokens.rs256("evt_down", clock.instant())));
      assertEquals(1, runs.get());
    } finally {
      server.stop(0);
    }
  }

  private static int post(HttpClient client, URI uri, String token)
      throws IOException, InterruptedException {
    return client
        .send(
            HttpRequest.newBuilder(uri)
                .POST(HttpRequest.BodyPublishers.ofByteArray(Tokens.bytes(token)))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
