package dev.hookline.receiver;

import static dev.hookline.receiver.Requests.API_KEY;
import static dev.hookline.receiver.Requests.NOW;
import static dev.hookline.receiver.Requests.OTHER_API_KEY;
import static dev.hookline.receiver.Requests.SECRET;
import static dev.hookline.receiver.Requests.body;
import static dev.hookline.receiver.Requests.headers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.hookline.testing.ManualClock;
import java.io.FilterInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class VerifyingHandlerTest {
  private final ManualClock clock = ManualClock.at(NOW);
  private final WebhookVerifier verifier =
      WebhookVerifier.builder()
          .apiKey(API_KEY)
          .signingSecret(SECRET)
          .clock(clock)
          .maxBodyBytes(64 * 1024)
          .build();
  private final List<Notification> received = new CopyOnWriteArrayList<>();
  private final VerifyingHandler handler = VerifyingHandler.create(verifier, received::add);

  @Test
  void aValidNotificationIsHandedOverAndAnswered204() {
    byte[] body = body("evt_1");
    VerifyingHandler.Response r = handler.respond("POST", headers("evt_1", body), body);
    assertEquals(204, r.status());
    assertEquals("", r.body());
    assertEquals(1, received.size());
    assertEquals("evt_1", received.get(0).id());
  }

  @Test
  void theHandshakeIsAnswered() {
    VerifyingHandler.Response r =
        handler.respond(
            "GET",
            Map.of(
                "X-Verification-Key",
                List.of("abc123"),
                "Authorization",
                List.of("Bearer " + API_KEY)),
            new byte[0]);
    assertEquals(200, r.status());
    assertEquals("{\"key\":\"abc123\"}", r.body());
    assertEquals("application/json", r.headers().get("Content-Type"));
    assertTrue(received.isEmpty());
  }

  /**
   * Without the API key, anyone could point a webhook of theirs at this endpoint and have it
   * verified, then sent to: the handshake proves the endpoint's owner agreed.
   */
  @Test
  void theHandshakeIsAnsweredOnlyWithTheApiKey() {
    VerifyingHandler.Response none =
        handler.respond("GET", Map.of("X-Verification-Key", List.of("abc123")), new byte[0]);
    assertEquals(401, none.status());
    assertFalse(none.body().contains("abc123"), none.body());
    VerifyingHandler.Response wrong =
        handler.respond(
            "GET",
            Map.of(
                "X-Verification-Key",
                List.of("abc123"),
                "Authorization",
                List.of("Bearer " + OTHER_API_KEY)),
            new byte[0]);
    assertEquals(401, wrong.status());
  }

  @Test
  void aGetWithoutAChallengeIsABadRequestAndOtherMethodsAreNotAllowed() {
    assertEquals(400, handler.respond("GET", Map.of(), new byte[0]).status());
    VerifyingHandler.Response put = handler.respond("PUT", Map.of(), new byte[0]);
    assertEquals(405, put.status());
    assertEquals("GET, POST", put.headers().get("Allow"));
  }

  @Test
  void authenticationFailuresAre401WithoutTheReason() {
    byte[] body = body("evt_a");
    List<Map<String, List<String>>> cases = new ArrayList<>();
    Map<String, List<String>> noKey = headers("evt_a", body);
    noKey.remove("Authorization");
    cases.add(noKey);
    Map<String, List<String>> wrongKey = headers("evt_a", body);
    wrongKey.put("Authorization", List.of("Bearer " + OTHER_API_KEY));
    cases.add(wrongKey);
    Map<String, List<String>> badSignature = headers("evt_a", body);
    badSignature.put("webhook-signature", List.of("v1,AAAA"));
    cases.add(badSignature);
    Map<String, List<String>> noSignature = headers("evt_a", body);
    noSignature.remove("webhook-signature");
    cases.add(noSignature);
    for (Map<String, List<String>> h : cases) {
      VerifyingHandler.Response r = handler.respond("POST", h, body);
      assertEquals(401, r.status(), h.keySet().toString());
      assertEquals("{\"error\":\"unauthorized\"}", r.body());
    }
    clock.advance(Duration.ofMinutes(6));
    VerifyingHandler.Response stale = handler.respond("POST", headers("evt_a", body), body);
    assertEquals(401, stale.status());
    assertFalse(stale.body().contains("TIMESTAMP"), stale.body());
    assertTrue(received.isEmpty());
  }

  @Test
  void malformedInputIs400TooLargeIs413() {
    byte[] body = body("evt_m");
    Map<String, List<String>> dup = headers("evt_m", body);
    Requests.values(dup, "webhook-id").add("evt_m");
    assertEquals(400, handler.respond("POST", dup, body).status());

    byte[] notJson = "nope".getBytes(StandardCharsets.UTF_8);
    assertEquals(400, handler.respond("POST", headers("evt_m", notJson), notJson).status());

    byte[] big = new byte[64 * 1024 + 1];
    assertEquals(413, handler.respond("POST", headers("evt_m", big), big).status());

    assertEquals(204, handler.respond("POST", headers("evt_m", body), body).status());
    assertEquals(1, received.size());
  }

  @Test
  void aRetryOfAProcessedNotificationIsAcknowledgedWithoutCallingTheConsumer() {
    byte[] body = body("evt_dup");
    assertEquals(204, handler.respond("POST", headers("evt_dup", body), body).status());
    VerifyingHandler.Response dup = handler.respond("POST", headers("evt_dup", body), body);
    assertEquals(200, dup.status());
    assertEquals("{\"status\":\"already processed\"}", dup.body());
    assertEquals("application/json", dup.headers().get("Content-Type"));
    clock.advance(Duration.ofMinutes(4));
    long now = clock.instant().getEpochSecond();
    Map<String, List<String>> later =
        Requests.headers(
            API_KEY, "evt_dup", Long.toString(now), Requests.sign(SECRET, "evt_dup", now, body));
    assertEquals(200, handler.respond("POST", later, body).status(), "a retry signed later");
    assertEquals(1, received.size());
  }

  @Test
  void aRetryWhileTheConsumerIsStillWorkingIsAskedToComeBackAndTheConsumerRunsOnce()
      throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    VerifyingHandler slow =
        VerifyingHandler.create(
            verifier,
            n -> {
              calls.incrementAndGet();
              entered.countDown();
              assertTrue(release.await(30, TimeUnit.SECONDS), "never released");
            });
    byte[] body = body("evt_slow");
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<VerifyingHandler.Response> first =
          pool.submit(() -> slow.respond("POST", headers("evt_slow", body), body));
      assertTrue(entered.await(30, TimeUnit.SECONDS));
      Future<VerifyingHandler.Response> second =
          pool.submit(() -> slow.respond("POST", headers("evt_slow", body), body));
      VerifyingHandler.Response busy = second.get(30, TimeUnit.SECONDS);
      assertEquals(409, busy.status());
      assertEquals("{\"error\":\"in progress\"}", busy.body());
      release.countDown();
      assertEquals(204, first.get(30, TimeUnit.SECONDS).status());
      assertEquals(200, slow.respond("POST", headers("evt_slow", body), body).status());
      assertEquals(1, calls.get());
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void ofConcurrentDeliveriesOfOneIdTheConsumerRunsOnce() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    VerifyingHandler counting = VerifyingHandler.create(verifier, n -> calls.incrementAndGet());
    byte[] body = body("evt_race");
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<VerifyingHandler.Response>> responses = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        responses.add(
            pool.submit(
                () -> {
                  start.await();
                  return counting.respond("POST", headers("evt_race", body), body);
                }));
      }
      start.countDown();
      int processed = 0;
      for (Future<VerifyingHandler.Response> f : responses) {
        int status = f.get(30, TimeUnit.SECONDS).status();
        assertTrue(status == 204 || status == 200 || status == 409, "status " + status);
        if (status == 204) {
          processed++;
        }
      }
      assertEquals(1, processed);
      assertEquals(1, calls.get());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void whenTheApplicationFailsTheAnswerIs500AndTheRetryIsAccepted() {
    AtomicInteger calls = new AtomicInteger();
    VerifyingHandler failingOnce =
        VerifyingHandler.create(
            verifier,
            n -> {
              if (calls.incrementAndGet() == 1) {
                throw new IOException("database down");
              }
            });
    byte[] body = body("evt_f");
    VerifyingHandler.Response first = failingOnce.respond("POST", headers("evt_f", body), body);
    assertEquals(500, first.status());
    assertFalse(first.body().contains("database"), first.body());
    assertEquals(204, failingOnce.respond("POST", headers("evt_f", body), body).status());
    assertEquals(2, calls.get());
  }

  @Test
  void aConsumerThatThrowsAnErrorIsAnswered500AndTheRetryIsAccepted() {
    AtomicInteger calls = new AtomicInteger();
    VerifyingHandler failingOnce =
        VerifyingHandler.create(
            verifier,
            n -> {
              if (calls.incrementAndGet() == 1) {
                throw new AssertionError("a check in the application's code");
              }
            });
    byte[] body = body("evt_e");
    assertEquals(500, failingOnce.respond("POST", headers("evt_e", body), body).status());
    assertEquals(204, failingOnce.respond("POST", headers("evt_e", body), body).status());
    assertEquals(2, calls.get());
  }

  /** The server's thread must still see that it was interrupted (e.g. to stop at shutdown). */
  @Test
  void aConsumerThatWasInterruptedIsAnswered500AndTheInterruptIsKept() {
    VerifyingHandler interrupted =
        VerifyingHandler.create(
            verifier,
            n -> {
              throw new InterruptedException("shutting down");
            });
    byte[] body = body("evt_int");
    try {
      assertEquals(500, interrupted.respond("POST", headers("evt_int", body), body).status());
      assertTrue(Thread.currentThread().isInterrupted(), "the interrupt was swallowed");
    } finally {
      Thread.interrupted();
    }
    assertEquals(204, handler.respond("POST", headers("evt_int", body), body).status());
  }

  @Test
  void aFailingReplayGuardIsAnswered500() {
    ReplayGuard down =
        new ReplayGuard() {
          @Override
          public State begin(String webhookId, java.time.Instant until) {
            throw new IllegalStateException("replay store unreachable");
          }

          @Override
          public void complete(String webhookId, java.time.Instant until) {
            throw new IllegalStateException("replay store unreachable");
          }

          @Override
          public void abandon(String webhookId) {
            throw new IllegalStateException("replay store unreachable");
          }
        };
    WebhookVerifier withDownGuard =
        WebhookVerifier.builder()
            .apiKey(API_KEY)
            .signingSecret(SECRET)
            .clock(clock)
            .replayGuard(down)
            .build();
    byte[] body = body("evt_g");
    VerifyingHandler.Response r =
        VerifyingHandler.create(withDownGuard, received::add)
            .respond("POST", headers("evt_g", body), body);
    assertEquals(500, r.status());
    assertFalse(r.body().contains("replay store"), r.body());
    assertTrue(received.isEmpty());
  }

  @Test
  void aGuardThatCannotForgetDoesNotHideTheApplicationsFailure() {
    StandardWebhooksVectorTest.RecordingGuard accepting =
        new StandardWebhooksVectorTest.RecordingGuard();
    ReplayGuard cannotForget =
        new ReplayGuard() {
          @Override
          public State begin(String webhookId, java.time.Instant until) {
            return accepting.begin(webhookId, until);
          }

          @Override
          public void complete(String webhookId, java.time.Instant until) {
            throw new IllegalStateException("replay store unreachable");
          }

          @Override
          public void abandon(String webhookId) {
            throw new IllegalStateException("replay store unreachable");
          }
        };
    WebhookVerifier v =
        WebhookVerifier.builder()
            .apiKey(API_KEY)
            .signingSecret(SECRET)
            .clock(clock)
            .replayGuard(cannotForget)
            .build();
    byte[] body = body("evt_h");
    VerifyingHandler.Response r =
        VerifyingHandler.create(
                v,
                n -> {
                  throw new IllegalStateException("application bug");
                })
            .respond("POST", headers("evt_h", body), body);
    assertEquals(500, r.status());
    assertEquals(List.of("evt_h"), accepting.marked);

    byte[] other = body("evt_i");
    VerifyingHandler.Response processed =
        VerifyingHandler.create(v, received::add).respond("POST", headers("evt_i", other), other);
    assertEquals(204, processed.status(), "processed, though it could not be recorded so");
    assertEquals(1, received.size());
  }

  /** The handler behind the JDK's HTTP server on loopback, called with java.net.http. */
  @Nested
  class OverHttp {
    private final ExecutorService serverThreads = Executors.newFixedThreadPool(4);
    private final AtomicLong bodyBytesRead = new AtomicLong();
    private final HttpServer server = start();
    private final HttpClient client =
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI uri =
        URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");

    private HttpServer start() {
      try {
        HttpServer s =
            HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        s.createContext("/hook", handler);
        s.createContext(
            "/small",
            VerifyingHandler.create(
                WebhookVerifier.builder()
                    .apiKey(API_KEY)
                    .signingSecret(SECRET)
                    .clock(clock)
                    .maxBodyBytes(1024)
                    .build(),
                received::add));
        s.createContext("/counted", handler).getFilters().add(new CountingFilter());
        s.setExecutor(serverThreads);
        s.start();
        return s;
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    /** Counts the request body bytes the handler reads (not what the server drains after it). */
    private final class CountingFilter extends Filter {
      @Override
      public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        exchange.setStreams(
            new FilterInputStream(exchange.getRequestBody()) {
              @Override
              public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                  bodyBytesRead.incrementAndGet();
                }
                return b;
              }

              @Override
              public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                  bodyBytesRead.addAndGet(n);
                }
                return n;
              }
            },
            null);
        chain.doFilter(exchange);
      }

      @Override
      public String description() {
        return "counts the request body bytes read";
      }
    }

    @AfterEach
    void stop() throws InterruptedException {
      server.stop(0);
      serverThreads.shutdown();
      assertTrue(serverThreads.awaitTermination(10, TimeUnit.SECONDS));
    }

    private HttpResponse<String> post(Map<String, List<String>> headers, byte[] body)
        throws Exception {
      return post(uri, headers, body);
    }

    private HttpResponse<String> post(URI to, Map<String, List<String>> headers, byte[] body)
        throws Exception {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(to)
              .timeout(Duration.ofSeconds(10))
              .POST(HttpRequest.BodyPublishers.ofByteArray(body));
      headers.forEach((name, values) -> values.forEach(v -> b.header(name, v)));
      return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aConsumerInterruptedOnTheServersOwnThreadIsAnswered500AndTheServerGoesOn()
        throws Exception {
      // No executor: handlers run on the server's dispatcher thread, as in the quick start.
      AtomicBoolean once = new AtomicBoolean();
      HttpServer plain =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      plain.createContext(
          "/hook",
          VerifyingHandler.create(
              verifier,
              n -> {
                if (once.compareAndSet(false, true)) {
                  throw new InterruptedException("shutting down");
                }
                received.add(n);
              }));
      plain.start();
      try {
        URI at = URI.create("http://127.0.0.1:" + plain.getAddress().getPort() + "/hook");
        byte[] first = body("evt_int_1");
        assertEquals(500, post(at, headers("evt_int_1", first), first).statusCode());
        byte[] second = body("evt_int_2");
        assertEquals(204, post(at, headers("evt_int_2", second), second).statusCode());
        assertEquals(204, post(at, headers("evt_int_1", first), first).statusCode(), "retried");
      } finally {
        plain.stop(0);
      }
    }

    @Test
    void aSignedPostIsVerifiedAndHandedOver() throws Exception {
      byte[] body = body("evt_http");
      HttpResponse<String> r = post(headers("evt_http", body), body);
      assertEquals(204, r.statusCode());
      assertEquals(1, received.size());
      assertEquals("evt_http", received.get(0).id());
    }

    @Test
    void theHandshakeIsAnsweredOverHttp() throws Exception {
      HttpResponse<String> r =
          client.send(
              HttpRequest.newBuilder(uri)
                  .timeout(Duration.ofSeconds(10))
                  .header("X-Verification-Key", "k-42")
                  .header("Authorization", "Bearer " + API_KEY)
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      assertEquals("{\"key\":\"k-42\"}", r.body());
      assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
    }

    @Test
    void aForgedPostIs401() throws Exception {
      byte[] body = body("evt_forged");
      Map<String, List<String>> h = headers("evt_forged", body);
      h.put(
          "webhook-signature",
          List.of(Requests.sign(Requests.OTHER_SECRET, "evt_forged", NOW.getEpochSecond(), body)));
      HttpResponse<String> r = post(h, body);
      assertEquals(401, r.statusCode());
      assertEquals("{\"error\":\"unauthorized\"}", r.body());
      assertTrue(received.isEmpty());
    }

    @Test
    void aBodyOverTheLimitIs413() throws Exception {
      // Small enough for the server to drain what the handler leaves unread, so the connection
      // is not reset under the client (larger bodies get the same 413, then a closed connection).
      byte[] body = new byte[4096];
      HttpRequest.Builder b =
          HttpRequest.newBuilder(uri.resolve("/small"))
              .timeout(Duration.ofSeconds(10))
              .POST(HttpRequest.BodyPublishers.ofByteArray(body));
      headers("evt_big", body).forEach((name, values) -> values.forEach(v -> b.header(name, v)));
      HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(413, r.statusCode());
      assertTrue(received.isEmpty());
    }

    /**
     * Buffering a body costs memory (up to maxBodyBytes per connection): only for a request that
     * holds an accepted API key, so nobody without it can make the listener hold megabytes each. A
     * refused request's body is read and dropped (at most 1 MiB, none of it kept), so that the
     * sender reads the 401 instead of a reset connection (RefusalWithoutResetReviewTest); the
     * consumer never sees it.
     */
    @Test
    void anUnauthenticatedPostIsRefusedWithoutKeepingItsBody() throws Exception {
      byte[] body = body("evt_counted");
      Map<String, List<String>> wrongKey = headers("evt_counted", body);
      wrongKey.put("Authorization", List.of("Bearer " + OTHER_API_KEY));
      HttpRequest.Builder b =
          HttpRequest.newBuilder(uri.resolve("/counted"))
              .timeout(Duration.ofSeconds(10))
              .POST(HttpRequest.BodyPublishers.ofByteArray(body));
      wrongKey.forEach((name, values) -> values.forEach(v -> b.header(name, v)));
      HttpResponse<String> refused = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(401, refused.statusCode());
      assertEquals(
          body.length, bodyBytesRead.get(), "the refused body was drained, through the counter");
      assertTrue(received.isEmpty(), "nothing reached the consumer");

      HttpRequest.Builder genuine =
          HttpRequest.newBuilder(uri.resolve("/counted"))
              .timeout(Duration.ofSeconds(10))
              .POST(HttpRequest.BodyPublishers.ofByteArray(body));
      headers("evt_counted", body)
          .forEach((name, values) -> values.forEach(v -> genuine.header(name, v)));
      assertEquals(
          204, client.send(genuine.build(), HttpResponse.BodyHandlers.ofString()).statusCode());
      assertEquals(2L * body.length, bodyBytesRead.get(), "the genuine request's body was read");
      assertEquals(1, received.size());
    }

    @Test
    void concurrentNotificationsAreAllVerified() throws Exception {
      List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        String id = "evt_c" + i;
        byte[] body = body(id);
        HttpRequest.Builder b =
            HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers(id, body).forEach((name, values) -> values.forEach(v -> b.header(name, v)));
        responses.add(client.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString()));
      }
      for (CompletableFuture<HttpResponse<String>> f : responses) {
        assertEquals(204, f.get(30, TimeUnit.SECONDS).statusCode());
      }
      assertEquals(20, received.size());
    }
  }
}
