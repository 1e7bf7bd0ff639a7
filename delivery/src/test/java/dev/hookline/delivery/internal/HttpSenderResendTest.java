package dev.hookline.delivery.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.ErrorKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A kept-alive connection that the endpoint closes just as it is reused: the request is sent once
 * more at once, on another connection, instead of failing the attempt. A real listener on loopback,
 * written by hand because the point is what happens on one TCP connection: it answers the first
 * request of each connection and, in the mode under test, closes the connection after reading the
 * second one without a byte of answer (what a reused connection meets when the endpoint's idle
 * timeout fires at that instant).
 */
class HttpSenderResendTest {
  private static final Duration DEADLINE = Duration.ofSeconds(5);

  private SocketListener listener;
  private ExecutorService executor;
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger connections = new AtomicInteger();
  private volatile boolean closeSecondRequest = true;
  private volatile boolean closeEveryRequest;

  @BeforeEach
  void start() throws IOException {
    executor = Executors.newCachedThreadPool(Threads.named("resend-test"));
    listener =
        new SocketListener(
            executor,
            s -> {
              connections.incrementAndGet();
              serve(s);
            });
  }

  @AfterEach
  void stop() throws IOException {
    listener.close();
    executor.shutdownNow();
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      for (int onThisConnection = 1; ; onThisConnection++) {
        if (!readRequest(in)) {
          return;
        }
        requests.incrementAndGet();
        if (closeEveryRequest || (closeSecondRequest && onThisConnection == 2)) {
          return; // closes without a byte of answer
        }
        out.write(
            "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  /** Reads one request (headers and a Content-Length body); false at the end of the stream. */
  private static boolean readRequest(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        return false;
      }
      head.write(b);
      matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    int length = 0;
    for (String line : head.toString(StandardCharsets.US_ASCII).lines().toList()) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring("content-length:".length()).trim());
      }
    }
    return in.readNBytes(length).length == length;
  }

  private SendOutcome send(HttpSender sender) throws InterruptedException {
    HttpRequest r =
        HttpClients.requestBuilder(URI.create(listener.url("/hook")), DEADLINE)
            .POST(HttpRequest.BodyPublishers.ofString("{\"n\":1}"))
            .build();
    return sender.send(r, DEADLINE);
  }

  private HttpSender sender() {
    return new HttpSender(
        HttpClients.defaultClient(DEADLINE, executor), 64, DestinationCheck.ALLOW_ALL);
  }

  @Test
  void aReusedConnectionClosedBeforeAnsweringIsSentToAgainAtOnce() throws Exception {
    HttpSender sender = sender();
    assertEquals(204, send(sender).status().orElse(-1));
    SendOutcome second = send(sender);
    assertEquals(204, second.status().orElse(-1), second.detail());
    assertEquals("HTTP 204" + HttpSender.SENT_TWICE, second.detail());
    assertEquals(3, requests.get(), "the first request, the one closed unanswered, its resend");
    assertEquals(2, connections.get(), "the resend went over a new connection");
  }

  @Test
  void anEndpointThatNeverAnswersIsSentToTwiceAtMostPerAttempt() throws Exception {
    closeEveryRequest = true;
    SendOutcome o = send(sender());
    assertEquals(Optional.of(ErrorKind.CONNECTION_RESET), o.error(), o.detail());
    assertTrue(o.detail().endsWith(HttpSender.SENT_TWICE), o.detail());
    assertEquals(2, requests.get(), "the request and one resend, no more");
  }

  @Test
  void theResendIsCheckedAgainstTheDestinationLikeAnyRequest() throws Exception {
    closeEveryRequest = true;
    AtomicInteger checks = new AtomicInteger();
    DestinationCheck secondRefused =
        (uri, timeout) ->
            checks.incrementAndGet() == 1
                ? Optional.empty()
                : Optional.of(
                    new DestinationCheck.Refusal(
                        ErrorKind.BLOCKED_ADDRESS, "now resolves to a blocked address"));
    SendOutcome o =
        new HttpSender(HttpClients.defaultClient(DEADLINE, executor), 64, secondRefused)
            .send(
                HttpClients.requestBuilder(URI.create(listener.url("/hook")), DEADLINE)
                    .POST(HttpRequest.BodyPublishers.ofString("{}"))
                    .build(),
                DEADLINE);
    assertEquals(2, checks.get());
    assertEquals(1, requests.get(), "not sent again to a refused destination");
    assertEquals(Optional.of(ErrorKind.CONNECTION_RESET), o.error(), o.detail());
    assertFalse(o.detail().contains("sent twice"), o.detail());
  }

  @Test
  void onlyAnEndOfStreamBeforeTheAnswerCounts() {
    assertTrue(
        HttpSender.closedBeforeAnswering(
            new IOException(
                "HTTP/1.1 header parser received no bytes",
                new java.io.EOFException("EOF reached while reading"))));
    assertTrue(HttpSender.closedBeforeAnswering(new java.io.EOFException("EOF")));
    assertFalse(HttpSender.closedBeforeAnswering(new IOException("Connection reset")));
    assertFalse(
        HttpSender.closedBeforeAnswering(
            new IOException("Connection reset by peer", new java.net.SocketException("reset"))));
  }
}
