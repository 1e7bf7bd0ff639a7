package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Attempt;
import dev.hookline.ErrorKind;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.VerificationResult;
import dev.hookline.Webhook;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Review (round 20): the HTTP client a dispatcher makes for itself had the default schedule's
 * attempt timeout as its connect timeout, and the JDK ends a connect at the client's connect
 * timeout whatever the request's own timeout says. So a webhook given a longer attempt timeout by
 * {@code retrySchedules(...)} (a far endpoint whose connects are slow) got only the default
 * schedule's time to connect, and the verification handshake (5 s by default) only the attempt
 * timeout (3 s by default), against their documented deadlines.
 */
class ConnectTimeoutReviewTest {
  private final Harness h = new Harness();
  private ServerSocket listener;
  private final List<Socket> filling = new ArrayList<>();

  /**
   * A listener whose accept queue is full and that never accepts: the kernel drops every further
   * SYN, so a connect to it neither completes nor fails until its timeout.
   */
  @BeforeEach
  void fullBacklog() throws IOException {
    listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    for (int i = 0; i < 8; i++) {
      Socket s = new Socket();
      try {
        s.connect(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort()), 200);
        filling.add(s);
      } catch (SocketTimeoutException e) {
        s.close();
        return; // the queue is full
      }
    }
    throw new AssertionError("the listener's accept queue never filled");
  }

  @AfterEach
  void close() throws IOException {
    for (Socket s : filling) {
      s.close();
    }
    listener.close();
  }

  private String url(String path) {
    return "http://127.0.0.1:" + listener.getLocalPort() + path;
  }

  @Test
  void aWebhookWithALongerAttemptTimeoutHasItAllToConnect() {
    Webhook w = h.receiving(url("/far"), null, UserEvents.CREATED);
    try (Dispatcher dispatcher =
        h.dispatcher(Duration.ofMillis(300))
            .leaseDuration(Duration.ofSeconds(10))
            .retrySchedules(
                webhook -> RetrySchedule.builder().attemptTimeout(Duration.ofMillis(1500)).build())
            .build()) {
      Event e = h.event(UserEvents.CREATED);
      dispatcher.publish(e);
      dispatcher.runDueNow();

      Attempt a = h.only(e.id()).lastAttempt().orElseThrow();
      assertEquals(w.id(), h.only(e.id()).webhookId());
      assertEquals(ErrorKind.TIMEOUT, a.error().orElseThrow(), a.detail());
      assertTrue(
          a.duration().compareTo(Duration.ofMillis(1200)) >= 0,
          "the webhook's attempt timeout is 1.5 s, its connect was cut after "
              + a.duration().toMillis()
              + " ms: "
              + a.detail());
    }
  }

  @Test
  void theHandshakeHasItsWholeTimeoutToConnect() {
    Webhook w = h.registered(url("/far"), null, UserEvents.CREATED);
    try (Dispatcher dispatcher =
        h.dispatcher(Duration.ofMillis(300)).verificationTimeout(Duration.ofMillis(1500)).build()) {
      long start = System.nanoTime();
      VerificationResult r = dispatcher.startVerification(w.id());
      long tookMillis = (System.nanoTime() - start) / 1_000_000;

      assertFalse(r.verified(), r.detail());
      assertTrue(
          tookMillis >= 1200,
          "the handshake's timeout is 1.5 s, its connect was cut after "
              + tookMillis
              + " ms: "
              + r.detail());
    }
  }
}
