package dev.hookline.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.testing.RecordingReceiver.Reply;
import dev.hookline.testing.tls.TestCertificates;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RecordingReceiverTest {
  private static final Duration LIMIT = Duration.ofSeconds(10);
  private static final String BOTH_FRAMINGS =
      String.join(
          "\r\n",
          "POST /x HTTP/1.1",
          "Content-Length: 5",
          "Transfer-Encoding: chunked",
          "",
          "0",
          "",
          "GET /smuggled HTTP/1.1",
          "",
          "");
  private static final TestCertificates CA = TestCertificates.authority("Recording receiver CA");

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private static HttpRequest.Builder request(String url) {
    return HttpRequest.newBuilder(URI.create(url)).timeout(LIMIT);
  }

  private HttpResponse<String> post(RecordingReceiver receiver, String path, String body)
      throws Exception {
    return client.send(
        request(receiver.url(path)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> handshake(RecordingReceiver receiver, Optional<String> auth)
      throws Exception {
    HttpRequest.Builder b = request(receiver.url("/hooks")).header("X-Verification-Key", "k\"\\1");
    auth.ifPresent(a -> b.header("Authorization", a));
    return client.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Sends raw bytes on a new connection and returns the answer's status line. */
  private static String sendRaw(RecordingReceiver receiver, String request) throws IOException {
    try (Socket s =
        new Socket(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), receiver.port())) {
      s.setSoTimeout((int) LIMIT.toMillis());
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      StringBuilder line = new StringBuilder();
      for (int b = in.read(); b >= 0 && b != '\r'; b = in.read()) {
        line.append((char) b);
      }
      return line.toString();
    }
  }

  @Test
  void recordsMethodTargetHeadersBodyAndArrivalTimeExactly() throws Exception {
    ManualClock clock = ManualClock.at(Instant.parse("2026-11-22T10:15:30.123Z"));
    byte[] body = {'{', '}', 0, (byte) 0xC3, (byte) 0xA9, (byte) 0xFF, '\r', '\n'};
    try (RecordingReceiver receiver = RecordingReceiver.builder().clock(clock).start()) {
      HttpResponse<String> response =
          client.send(
              request(receiver.url("/hooks/a?x=1&y=%20"))
                  .header("webhook-id", "evt_1")
                  .header("X-Multi", "one")
                  .header("X-Multi", "two, three")
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(204, response.statusCode());

      RecordedRequest r = receiver.awaitRequests(1, LIMIT).get(0);
      assertEquals("POST", r.method());
      assertEquals("/hooks/a?x=1&y=%20", r.target());
      assertEquals("/hooks/a", r.path());
      assertEquals(Optional.of("x=1&y=%20"), r.query());
      assertEquals(Optional.of("evt_1"), r.header("WEBHOOK-ID"));
      assertEquals(List.of("one", "two, three"), r.headerValues("x-multi"));
      assertEquals(List.of("one", "two, three"), r.headers().get("X-MULTI"));
      assertEquals(Optional.of(String.valueOf(body.length)), r.header("content-length"));
      assertEquals(List.of(), r.headerValues("X-Absent"));
      assertArrayEquals(body, r.body());
      assertFalse(r.truncated());
      assertEquals(clock.instant(), r.receivedAt());
      assertFalse(r.toString().contains("evt_1"), "toString names no header value");
    }
  }

  @Test
  void keepsHeaderNamesAsSentAndDecodesAChunkedBody() throws Exception {
    try (RecordingReceiver receiver = RecordingReceiver.start()) {
      String status =
          sendRaw(
              receiver,
              String.join(
                  "\r\n",
                  "PUT /raw HTTP/1.1",
                  "Host: x",
                  "webHook-ID:  evt_9 ",
                  "X-A: 1",
                  "x-a: 2",
                  "Transfer-Encoding: chunked",
                  "Connection: close",
                  "",
                  "5",
                  "hello",
                  "7;ext=1",
                  ", world",
                  "0",
                  "Trailer: t",
                  "",
                  ""));
      assertEquals("HTTP/1.1 204 No Content", status);

      RecordedRequest r = receiver.awaitRequests(1, LIMIT).get(0);
      assertEquals("PUT", r.method());
      assertEquals("hello, world", r.bodyAsString());
      assertEquals(List.of("evt_9"), r.headerValues("webhook-id"));
      assertEquals(
          List.of("Connection", "Host", "Transfer-Encoding", "webHook-ID", "X-A"),
          new ArrayList<>(r.headers().keySet()),
          "each name spelled as it first arrived, sorted case-insensitively");
      assertEquals(List.of("1", "2"), r.headerValues("X-A"));
    }
  }

  @Test
  void answersMalformedRequestsAndUnknownCodingsWithoutRecordingThem() throws Exception {
    try (RecordingReceiver receiver = RecordingReceiver.start()) {
      assertEquals(
          "HTTP/1.1 400 Bad Request", sendRaw(receiver, "POST /x HTTP/1.1\r\nno colon\r\n\r\n"));
      assertEquals(
          "HTTP/1.1 400 Bad Request",
          sendRaw(receiver, "POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n"));
      assertEquals(
          "HTTP/1.1 501 Not Implemented",
          sendRaw(receiver, "POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"));
      // Both framings at once (RFC 9112 6.3): the rest would be read as a second request.
      assertEquals("HTTP/1.1 400 Bad Request", sendRaw(receiver, BOTH_FRAMINGS));
      // A bare LF inside the head would hide a header inside another's value.
      assertEquals(
          "HTTP/1.1 400 Bad Request",
          sendRaw(receiver, "POST /x HTTP/1.1\r\nHost: x\nX-Evil: 1\r\n\r\n"));
      assertEquals(List.of(), receiver.requests());
    }
  }

  @Test
  void answers204ByDefaultAndStatusSequencesWhoseLastReplyRepeats() throws Exception {
    try (RecordingReceiver receiver = RecordingReceiver.start()) {
      assertEquals(204, post(receiver, "/hooks", "{}").statusCode());

      receiver.respondWith(Reply.status(500), Reply.status(503), Reply.status(200));
      List<Integer> statuses = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        statuses.add(post(receiver, "/hooks", "{}").statusCode());
      }
      assertEquals(List.of(500, 503, 200, 200, 200), statuses);
    }
  }

  @Test
  void repliesForAPathOverrideTheDefaultAndCarryHeadersAndBody() throws Exception {
    try (RecordingReceiver receiver = RecordingReceiver.start()) {
      receiver.respondWith(
          "/busy",
          Reply.status(429).withHeader("Retry-After", "7").withBody("{\"error\":\"busy\"}"),
          Reply.status(202));

      HttpResponse<String> first = post(receiver, "/busy?attempt=1", "{}");
      assertEquals(429, first.statusCode());
      assertEquals(Optional.of("7"), first.headers().firstValue("retry-after"));
      assertEquals("{\"error\":\"busy\"}", first.body());
      assertEquals(204, post(receiver, "/other", "{}").statusCode());
      assertEquals(202, post(receiver, "/busy", "{}").statusCode());
      assertEquals(2, receiver.requestsTo("/busy").size());
      assertEquals(
          List.of("/other"),
          receiver.requestsTo("/other").stream().map(RecordedRequest::path).toList());

      assertThrows(IllegalArgumentException.class, () -> Reply.status(100));
      assertThrows(IllegalArgumentException.class, () -> Reply.status(204).withBody("x"));
      assertThrows(
          IllegalArgumentException.class,
          () -> Reply.status(200).withHeader("Content-Length", "1"));
      assertThrows(
          IllegalArgumentException.class, () -> Reply.status(200).withHeader("X", "a\r\nb: c"));
    }
  }

  @Test
  void heldRequestsAreRecordedAndAnsweredOnlyOnRelease() throws Exception {
    try (RecordingReceiver receiver = RecordingReceiver.start()) {
      receiver.hold();
      CompletableFuture<HttpResponse<String>> answer =
          client.sendAsync(
              request(receiver.url("/slow")).POST(HttpRequest.BodyPublishers.ofString("1")).build(),
              HttpResponse.BodyHandlers.ofString());
      Poll.until(LIMIT, () -> receiver.heldRequests() == 1, "the request is held");
      assertEquals(1, receiver.requests().size(), "recorded before it is answered");
      assertFalse(answer.isDone());

      receiver.release();
      assertEquals(204, answer.get(LIMIT.toSeconds(), TimeUnit.SECONDS).statusCode());
      assertEquals(0, receiver.heldRequests());
      assertEquals(204, post(receiver, "/slow", "2").statusCode(), "released for good");
    }
  }

  @Test
  void aReleaseLetsGoARecordedRequestEvenIfAHoldFollowsAtOnce() throws Exception {
    try (RecordingReceiver receiver = RecordingReceiver.start()) {
      for (int i = 0; i < 50; i++) {
        receiver.hold();
        CompletableFuture<HttpResponse<String>> answer =
            client.sendAsync(
                request(receiver.url("/race"))
                    .POST(HttpRequest.BodyPublishers.ofString("" + i))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        int n = i + 1;
        // Spin, not poll: release the moment it is recorded, before its thread reads the gate.
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (receiver.requests().size() < n) {
          assertTrue(System.nanoTime() < deadline, "request " + n + " not recorded");
          Thread.onSpinWait();
        }
        receiver.release(); // recorded, perhaps not yet waiting: it must still go
        receiver.hold();
        assertEquals(204, answer.get(LIMIT.toSeconds(), TimeUnit.SECONDS).statusCode(), "at " + i);
        receiver.release();
      }
    }
  }

  @Test
  void closeReturnsWhileAThreadIsStuckWritingToATlsClientThatDoesNotRead() throws Exception {
    byte[] big = new byte[32 << 20]; // more than the sockets' buffers hold
    RecordingReceiver receiver = RecordingReceiver.builder().https(CA.issue("127.0.0.1")).start();
    receiver.respondWith(RecordingReceiver.Reply.status(200).withBody(big));
    javax.net.ssl.SSLSocket client =
        (javax.net.ssl.SSLSocket)
            CA.clientContext()
                .getSocketFactory()
                .createSocket(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), receiver.port());
    try (client) {
      client
          .getOutputStream()
          .write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      client.getOutputStream().flush();
      receiver.awaitRequests(1, LIMIT);
      // The client never reads: the receiver's thread fills the buffers and blocks in its write.
      assertTimeoutPreemptively(Duration.ofSeconds(30), receiver::close);
    }
  }

  @Test
  void aHeldRequestLetsTheSendersTimeoutFire() throws Exception {
    try (RecordingReceiver receiver = RecordingReceiver.start()) {
      receiver.hold();
      try (Socket sender =
          new Socket(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), receiver.port())) {
        OutputStream out = sender.getOutputStream();
        out.write(
            "POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
                .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        Poll.until(LIMIT, () -> receiver.heldRequests() == 1, "the request is held");
        assertEquals(1, receiver.requests().size());
        // The sender's timeout starts once the request is held, so only the hold can make it
        // fire: an HTTP client's 200 ms from the send could end before the request was recorded.
        sender.setSoTimeout(200);
        InputStream in = sender.getInputStream();
        assertThrows(SocketTimeoutException.class, in::read, "no answer while held");
      } // the sender gives up and closes, as an HTTP client does when its timeout fires
      receiver.release();
      Poll.until(LIMIT, () -> receiver.heldRequests() == 0, "the held request is let go");
    }
  }

  @Test
  void aBodyOverTheCapIsRecordedTruncatedAndAnswered413() throws Exception {
    try (RecordingReceiver receiver = RecordingReceiver.builder().maxBodyBytes(1024).start()) {
      String atCap = "a".repeat(1024);
      assertEquals(204, post(receiver, "/hooks", atCap).statusCode());
      String over = "b".repeat(1024) + "c".repeat(5000);
      assertEquals(413, post(receiver, "/hooks", over).statusCode());
      HttpResponse<String> chunked =
          client.send(
              request(receiver.url("/hooks"))
                  .POST(
                      HttpRequest.BodyPublishers.ofInputStream(
                          () -> new ByteArrayInputStream(over.getBytes(StandardCharsets.UTF_8))))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(413, chunked.statusCode());

      List<RecordedRequest> recorded = receiver.awaitRequests(3, LIMIT);
      assertFalse(recorded.get(0).truncated());
      assertEquals(atCap, recorded.get(0).bodyAsString());
      for (RecordedRequest r : recorded.subList(1, 3)) {
        assertTrue(r.truncated(), r.toString());
        assertEquals("b".repeat(1024), r.bodyAsString());
      }
      assertEquals(204, post(receiver, "/hooks", "after").statusCode(), "still serving");
    }
  }

  @Test
  void keepsAtMostMaxRequestsDroppingTheOldest() throws Exception {
    try (RecordingReceiver receiver = RecordingReceiver.builder().maxRequests(3).start()) {
      for (int i = 1; i <= 5; i++) {
        assertEquals(204, post(receiver, "/hooks", "n" + i).statusCode());
      }
      assertEquals(
          List.of("n3", "n4", "n5"),
          receiver.requests().stream().map(RecordedRequest::bodyAsString).toList());
      assertEquals(2, receiver.dropped());
      assertThrows(IllegalArgumentException.class, () -> receiver.awaitRequests(4, LIMIT));

      receiver.clear();
      assertEquals(List.of(), receiver.requests());
      assertEquals(0, receiver.dropped());
      AssertionError e =
          assertThrows(
              AssertionError.class, () -> receiver.awaitRequests(1, Duration.ofMillis(20)));
      assertTrue(e.getMessage().contains("0 arrived"), e.getMessage());
    }
  }

  @Test
  void servesHttpsWithATestCertificate() throws Exception {
    try (RecordingReceiver receiver =
        RecordingReceiver.builder().https(CA.issue("127.0.0.1")).start()) {
      assertTrue(receiver.url("/hooks").startsWith("https://127.0.0.1:"), receiver.url("/hooks"));
      HttpClient tls =
          HttpClient.newBuilder()
              .sslContext(CA.clientContext())
              .connectTimeout(Duration.ofSeconds(5))
              .build();
      HttpResponse<String> response =
          tls.send(
              request(receiver.url("/hooks"))
                  .POST(HttpRequest.BodyPublishers.ofString("{\"a\":1}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(204, response.statusCode());
      assertEquals(HttpClient.Version.HTTP_1_1, response.version());
      assertEquals("{\"a\":1}", receiver.awaitRequests(1, LIMIT).get(0).bodyAsString());
    }
  }

  @Test
  void answersTheVerificationHandshakeByEchoingTheKey() throws Exception {
    try (RecordingReceiver receiver = RecordingReceiver.start()) {
      receiver.respondWith(Reply.status(500)); // applies to notifications, not to handshakes
      HttpResponse<String> response = handshake(receiver, Optional.empty());
      assertEquals(200, response.statusCode());
      assertEquals("{\"key\":\"k\\\"\\\\1\"}", response.body());
      assertEquals(Optional.of("application/json"), response.headers().firstValue("Content-Type"));
      assertEquals("GET", receiver.awaitRequests(1, LIMIT).get(0).method(), "recorded too");
    }
  }

  @Test
  void withAnApiKeyAnswersTheHandshakeOnlyToItsHolder() throws Exception {
    try (RecordingReceiver receiver = RecordingReceiver.builder().apiKey("key-123").start()) {
      assertEquals(401, handshake(receiver, Optional.empty()).statusCode());
      assertEquals(401, handshake(receiver, Optional.of("Bearer key-1234")).statusCode());
      assertEquals(401, handshake(receiver, Optional.of("Basic key-123")).statusCode());
      HttpResponse<String> ok = handshake(receiver, Optional.of("bearer key-123"));
      assertEquals(200, ok.statusCode());
      assertEquals("{\"key\":\"k\\\"\\\\1\"}", ok.body());
      assertEquals(4, receiver.requests().size());
      assertFalse(receiver.toString().contains("key-123"));
    }
  }

  @Test
  void recordsEveryRequestFromConcurrentSenders() throws Exception {
    int senders = 200;
    try (RecordingReceiver receiver = RecordingReceiver.start()) {
      List<CompletableFuture<HttpResponse<Void>>> answers =
          IntStream.range(0, senders)
              .mapToObj(
                  i ->
                      client.sendAsync(
                          request(receiver.url("/c/" + (i % 4)))
                              .POST(HttpRequest.BodyPublishers.ofString("body-" + i))
                              .build(),
                          HttpResponse.BodyHandlers.discarding()))
              .toList();
      // Reading while requests arrive is safe too.
      Poll.until(
          LIMIT,
          () -> {
            assertTrue(receiver.requests().size() <= senders);
            assertTrue(receiver.requestsTo("/c/0").size() <= senders / 4);
            return answers.stream().allMatch(CompletableFuture::isDone);
          },
          "every sender is answered");
      for (CompletableFuture<HttpResponse<Void>> a : answers) {
        assertEquals(204, a.get(LIMIT.toSeconds(), TimeUnit.SECONDS).statusCode());
      }
      Set<String> bodies =
          receiver.awaitRequests(senders, LIMIT).stream()
              .map(RecordedRequest::bodyAsString)
              .collect(Collectors.toSet());
      assertEquals(
          IntStream.range(0, senders).mapToObj(i -> "body-" + i).collect(Collectors.toSet()),
          bodies);
      assertEquals(senders / 4, receiver.requestsTo("/c/3").size());
      assertEquals(0, receiver.dropped());
    }
  }

  @Test
  void closeReleasesThePortTheThreadsAndHeldRequests() throws Exception {
    RecordingReceiver receiver = RecordingReceiver.start();
    int port = receiver.port();
    String threadPrefix = "recording-receiver-" + port + "-";
    assertEquals(204, post(receiver, "/hooks", "kept alive").statusCode());
    receiver.hold();
    CompletableFuture<HttpResponse<Void>> held =
        client.sendAsync(
            request(receiver.url("/hooks")).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
            HttpResponse.BodyHandlers.discarding());
    Poll.until(LIMIT, () -> receiver.heldRequests() == 1, "the request is held");
    assertTrue(threadNames().stream().anyMatch(n -> n.startsWith(threadPrefix)));

    receiver.close();
    receiver.close(); // idempotent

    assertEquals(
        List.of(),
        threadNames().stream().filter(n -> n.startsWith(threadPrefix)).toList(),
        "no thread of the receiver is left");
    try (ServerSocket again =
        new ServerSocket(port, 1, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}))) {
      assertEquals(port, again.getLocalPort());
    }
    try {
      held.get(LIMIT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      // answered or cut off: either way the sender is no longer left waiting
    }
    assertTrue(held.isDone());
  }

  private static List<String> threadNames() {
    return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).toList();
  }
}
