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
 * The SET listener of docs/receiving.md ({@link ReceivingDocSnippetTest#serve}) calls {@code
 * verifier.complete(event)} inside the {@code try} that guards the application's code, so when
 * recording "processed" fails (a shared replay guard whose store blinks, which {@code complete}
 * documents it may throw), the event that was processed is released and answered 500: the sender
 * retries, and the event is processed a second time. receiver-verify's {@code VerifyingHandler}
 * answers such an event as processed (and logs the failed record), as a successful run should be.
 */
class DocListenerCompleteFailureReviewTest {

  /** A shared guard whose first {@code complete} finds its store unreachable. */
  private static final class BlinkingGuard implements ReplayGuard {
    private final ReplayGuard inner;
    private final AtomicBoolean failed = new AtomicBoolean();

    BlinkingGuard(ReplayGuard inner) {
      this.inner = inner;
    }

    @Override
    public State begin(String webhookId, Instant until) {
      return inner.begin(webhookId, until);
    }

    @Override
    public void complete(String webhookId, Instant until) {
      if (failed.compareAndSet(false, true)) {
        throw new IllegalStateException("the guard's store did not answer");
      }
      inner.complete(webhookId, until);
    }

    @Override
    public void abandon(String webhookId) {
      inner.abandon(webhookId);
    }

    @Override
    public void abandon(String webhookId, Instant until) {
      inner.abandon(webhookId, until);
    }
  }

  @Test
  void anEventProcessedWhileRecordingItFailsIsNotProcessedAgainOnTheRetry() throws Exception {
    ManualClock clock = ManualClock.at(Instant.parse("2026-11-22T10:00:00Z"));
    SecurityEventTokenVerifier verifier =
        SecurityEventTokenVerifier.builder()
            .allowWithoutApiKey()
            .jwks(Tokens.jwks(Tokens.RSA))
            .issuer(Tokens.ISSUER)
            .audience(Tokens.AUDIENCE)
            .clock(clock)
            .replayGuard(new BlinkingGuard(ReplayGuard.inMemory(clock, 1000)))
            .build();
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    AtomicInteger runs = new AtomicInteger();
    ReceivingDocSnippetTest.serve(verifier, server, event -> runs.incrementAndGet());
    try {
      String host = server.getAddress().getAddress().getHostAddress();
      URI hook =
          URI.create(
              "http://"
                  + (host.indexOf(':') >= 0 ? "[" + host + "]" : host)
                  + ":"
                  + server.getAddress().getPort()
                  + "/hookline");
      int first = post(client, hook, Tokens.rs256("evt_blink", clock.instant()));
      // The sender's retry, signed anew a few seconds later with the same jti.
      clock.advance(Duration.ofSeconds(3));
      int retry = post(client, hook, Tokens.rs256("evt_blink", clock.instant()));
      assertEquals(1, runs.get(), "runs of the application (first answered " + first + ")");
      assertEquals(202, first, "the event was processed");
      // Not recorded as processed, the event stays in progress until its entry expires, as with
      // VerifyingHandler: the retry is asked to come back, not processed.
      assertEquals(409, retry);
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
