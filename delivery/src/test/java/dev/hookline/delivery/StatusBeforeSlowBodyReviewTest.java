package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hookline.Delivery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Review (round 5): once an endpoint's status line and headers have arrived, the attempt's outcome
 * was still decided by its body. A body that stops before its promised length (a proxy that stalls,
 * a listener that flushes its answer early) made the attempt a {@code TIMEOUT} without a status:
 *
 * <ul>
 *   <li>a {@code 410 Gone} did not disable the webhook, and the delivery was retried;
 *   <li>a {@code 2xx} was recorded as a failure (the notification sent again, the failure counted
 *       against the endpoint's breaker and failure clock) with the default {@code
 *       maxResponseBytes}, though the very same answer is a success when the body's first bytes
 *       reach {@code maxResponseBytes} (the body is then cut without waiting for the rest).
 * </ul>
 *
 * A hand-written listener on loopback answers the headers, promising 100 bytes, sends 40 of them
 * and holds the connection.
 */
class StatusBeforeSlowBodyReviewTest {
  private static final Duration TIMEOUT = Duration.ofMillis(500);

  private ExecutorService executor;
  private ServerSocket server;
  private volatile String status = "200 OK";
  private Harness h;

  @BeforeEach
  void start() throws IOException {
    h = new Harness();
    executor = Executors.newCachedThreadPool();
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    executor.execute(
        () -> {
          while (!server.isClosed()) {
            try {
              Socket s = server.accept();
              executor.execute(() -> serve(s));
            } catch (IOException e) {
              return;
            }
          }
        });
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
    executor.shutdownNow();
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      byte[] buf = new byte[65536];
      if (in.read(buf) < 0) {
        return;
      }
      out.write(
          ("HTTP/1.1 " + status + "\r\nContent-Length: 100\r\n\r\n" + "x".repeat(40))
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      while (in.read(buf) >= 0) {
        // hold the connection until the client gives up on it
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  private String url() {
    return "http://127.0.0.1:" + server.getLocalPort() + "/hook";
  }

  private Delivery deliverOnce(Dispatcher dispatcher) {
    Event e = h.event(UserEvents.CREATED);
    dispatcher.publish(e);
    dispatcher.runDueNow();
    return h.only(e.id());
  }

  @Test
  void a410WhoseBodyStallsStillDisablesTheWebhook() {
    status = "410 Gone";
    try (Dispatcher dispatcher = h.dispatcher(TIMEOUT).build()) {
      Webhook w = h.receiving(url(), null, UserEvents.CREATED);
      Delivery d = deliverOnce(dispatcher);
      assertEquals(
          410,
          d.attempts().get(0).statusCode().orElse(-1),
          "the endpoint answered 410; recorded: " + d.attempts().get(0));
      assertEquals(WebhookStatus.DISABLED_BY_FAILURE, h.registry.require(w.id()).status());
      assertEquals(DeliveryState.FAILED, d.state());
    }
  }

  @Test
  void a200WhoseBodyStallsIsTheSameOutcomeWhateverMaxResponseBytes() {
    DeliveryState withSmallLimit;
    try (Dispatcher dispatcher = h.dispatcher(TIMEOUT).maxResponseBytes(16).build()) {
      h.receiving(url(), null, UserEvents.CREATED);
      withSmallLimit = deliverOnce(dispatcher).state();
    }
    assertEquals(DeliveryState.SUCCEEDED, withSmallLimit); // the body is cut at 16 bytes

    h = new Harness(); // a webhook of its own, without the first one's delivery
    try (Dispatcher dispatcher = h.dispatcher(TIMEOUT).build()) {
      h.receiving(url(), null, UserEvents.CREATED);
      Delivery d = deliverOnce(dispatcher);
      assertEquals(
          withSmallLimit,
          d.state(),
          "the same 200 answer with the default maxResponseBytes: " + d.attempts().get(0));
    }
  }
}
