package dev.hookline.delivery.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The attempt's deadline covers a body that never starts or stops halfway, with the client a
 * dispatcher builds (its selector thread runs the exchange's steps inline) and with a plain one. A
 * real listener on loopback, written by hand: it answers headers promising 100 bytes, then as much
 * of the body as the test says, then nothing until the client closes the connection.
 */
class HttpSenderBodyDeadlineTest {
  private static final Duration DEADLINE = Duration.ofMillis(500);
  // Ending within deadline + this shows the body was cut: the listener would wait forever.
  private static final long MARGIN_MS = 4000;

  private SocketListener listener;
  private ExecutorService executor;
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(Threads.named("body-deadline-sweep"));
  private volatile String bodySent = "";

  @BeforeEach
  void start() throws IOException {
    executor = Executors.newCachedThreadPool(Threads.named("body-deadline-test"));
    listener = new SocketListener(executor, this::serve);
  }

  @AfterEach
  void stop() throws IOException {
    listener.close();
    executor.shutdownNow();
    scheduler.shutdownNow();
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      byte[] buf = new byte[8192];
      int n = in.read(buf); // the request: small, one read on loopback is enough for the test
      if (n < 0) {
        return;
      }
      out.write(
          ("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + bodySent)
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      while (in.read(buf) >= 0) {
        // hold the connection until the client gives up on it
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  private SendOutcome send(HttpSender sender) throws InterruptedException {
    HttpRequest r =
        HttpClients.requestBuilder(URI.create(listener.url("/hook")), DEADLINE)
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build();
    return sender.send(r, DEADLINE);
  }

  private void assertCutAtTheDeadline(HttpClient client) {
    assertCutAtTheDeadline(new HttpSender(client, 64, DestinationCheck.ALLOW_ALL));
  }

  private void assertCutAtTheDeadline(HttpSender sender) {
    // Preemptive: a body that is never cut would otherwise hang the test (nothing else ends it).
    SendOutcome o = assertTimeoutPreemptively(DEADLINE.plusMillis(MARGIN_MS), () -> send(sender));
    // Cut at the deadline; the status that came before the body is the answer.
    assertEquals(Optional.empty(), o.error(), o.detail());
    assertEquals(200, o.status().orElse(-1), o.detail());
    assertTrue(o.detail().contains("body too slow"), o.detail());
  }

  @Test
  void aBodyThatNeverStartsIsCutWithTheDispatchersClient() throws Exception {
    assertCutAtTheDeadline(HttpClients.defaultClient(DEADLINE, new SelectorHandOffs(executor)));
  }

  @Test
  void aBodyThatStopsHalfwayIsCutWithTheDispatchersClient() throws Exception {
    bodySent = "x".repeat(40);
    assertCutAtTheDeadline(HttpClients.defaultClient(DEADLINE, new SelectorHandOffs(executor)));
  }

  @Test
  void aBodyThatNeverStartsIsCutWithAPlainClient() throws Exception {
    assertCutAtTheDeadline(HttpClients.defaultClient(DEADLINE, executor));
  }

  @Test
  void aBodyThatStopsHalfwayIsCutWithAPlainClient() throws Exception {
    bodySent = "x".repeat(40);
    assertCutAtTheDeadline(HttpClients.defaultClient(DEADLINE, executor));
  }

  /** The sender a dispatcher builds: its client, and the bodies' deadlines swept on a scheduler. */
  private HttpSender dispatchersSender() {
    return new HttpSender(
        HttpClients.defaultClient(DEADLINE, new SelectorHandOffs(executor)),
        64,
        DestinationCheck.ALLOW_ALL,
        scheduler);
  }

  @Test
  void aBodyThatNeverStartsIsCutByTheSweep() {
    assertCutAtTheDeadline(dispatchersSender());
  }

  @Test
  void aBodyThatStopsHalfwayIsCutByTheSweep() {
    bodySent = "x".repeat(40);
    assertCutAtTheDeadline(dispatchersSender());
  }
}
