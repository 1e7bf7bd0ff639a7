package dev.hookline.receiver;

import static dev.hookline.receiver.Requests.API_KEY;
import static dev.hookline.receiver.Requests.NOW;
import static dev.hookline.receiver.Requests.SECRET;
import static dev.hookline.receiver.Requests.body;
import static dev.hookline.receiver.Requests.headers;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import dev.hookline.testing.ManualClock;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Fourteenth review round: VerifyingHandler promises that a failing replay guard is answered 500,
 * never thrown, but it caught only a guard's RuntimeException. A shared guard's store client fails
 * with an Error too, typically after a bad deploy: a NoClassDefFoundError for a class its jar
 * lacks, an ExceptionInInitializerError from a client that cannot start, a
 * ServiceConfigurationError from a driver lookup. Such an Error left respond() and, behind the JDK
 * server, the exchange unanswered: every delivery read a closed connection and nothing was logged
 * but at the JDK server's TRACE level. An Error recording a processed notification turned its 204
 * into 500 (so the sender retried what was processed), and one releasing a failed notification
 * escaped in place of the 500.
 */
class GuardErrorReviewTest {
  private final List<Notification> received = new CopyOnWriteArrayList<>();

  /** A guard that works, except that the named method throws the given Error. */
  private static final class BrokenGuard implements ReplayGuard {
    private final ReplayGuard memory = ReplayGuard.inMemory(ManualClock.at(NOW), 100);
    private final String failing;
    private final Error error;

    BrokenGuard(String failing, Error error) {
      this.failing = failing;
      this.error = error;
    }

    @Override
    public State begin(String webhookId, Instant until) {
      if (failing.equals("begin")) {
        throw error;
      }
      return memory.begin(webhookId, until);
    }

    @Override
    public void complete(String webhookId, Instant until) {
      if (failing.equals("complete")) {
        throw error;
      }
      memory.complete(webhookId, until);
    }

    @Override
    public void abandon(String webhookId) {
      if (failing.equals("abandon")) {
        throw error;
      }
      memory.abandon(webhookId);
    }
  }

  private static WebhookVerifier verifierWith(ReplayGuard guard) {
    return WebhookVerifier.builder()
        .apiKey(API_KEY)
        .signingSecret(SECRET)
        .clock(ManualClock.at(NOW))
        .replayGuard(guard)
        .build();
  }

  @Test
  void aGuardWhoseClientClassIsMissingIsAnswered500() {
    VerifyingHandler handler =
        VerifyingHandler.create(
            verifierWith(
                new BrokenGuard("begin", new NoClassDefFoundError("redis/clients/jedis/Jedis"))),
            received::add);
    byte[] body = body("evt_g1");
    VerifyingHandler.Response r = handler.respond("POST", headers("evt_g1", body), body);
    assertEquals(500, r.status());
    assertEquals("{\"error\":\"internal error\"}", r.body());
    assertEquals(List.of(), received);
  }

  @Test
  void aGuardWhoseDriverLookupFailsIsAnswered500() {
    VerifyingHandler handler =
        VerifyingHandler.create(
            verifierWith(new BrokenGuard("begin", new ServiceConfigurationError("no JDBC driver"))),
            received::add);
    byte[] body = body("evt_g2");
    assertEquals(500, handler.respond("POST", headers("evt_g2", body), body).status());
    assertEquals(List.of(), received);
  }

  @Test
  void aNotificationProcessedButNotRecordedIsStillAnswered204() {
    VerifyingHandler handler =
        VerifyingHandler.create(
            verifierWith(new BrokenGuard("complete", new NoClassDefFoundError("a/Missing"))),
            received::add);
    byte[] body = body("evt_g3");
    assertEquals(204, handler.respond("POST", headers("evt_g3", body), body).status());
    assertEquals(1, received.size());
  }

  @Test
  void aFailedNotificationThatCannotBeReleasedIsStillAnswered500() {
    AtomicInteger calls = new AtomicInteger();
    VerifyingHandler handler =
        VerifyingHandler.create(
            verifierWith(new BrokenGuard("abandon", new NoClassDefFoundError("a/Missing"))),
            n -> {
              calls.incrementAndGet();
              throw new IllegalStateException("database down");
            });
    byte[] body = body("evt_g4");
    VerifyingHandler.Response r = handler.respond("POST", headers("evt_g4", body), body);
    assertEquals(500, r.status());
    assertEquals("{\"error\":\"processing failed\"}", r.body());
    assertEquals(1, calls.get());
  }

  /** Over HTTP, as in the documented listener (no executor: the server's own thread). */
  @Test
  void overHttpTheSenderReads500NotAClosedConnection() throws Exception {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/hook",
        VerifyingHandler.create(
            verifierWith(
                new BrokenGuard(
                    "begin", new ExceptionInInitializerError("the store client cannot start"))),
            received::add));
    server.start();
    try {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
      byte[] body = body("evt_g5");
      HttpRequest.Builder b =
          HttpRequest.newBuilder(uri)
              .timeout(Duration.ofSeconds(30))
              .POST(HttpRequest.BodyPublishers.ofByteArray(body));
      headers("evt_g5", body).forEach((name, vs) -> vs.forEach(v -> b.header(name, v)));
      assertEquals(500, client.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode());
      assertEquals(List.of(), received);
    } finally {
      server.stop(0);
    }
  }
}
