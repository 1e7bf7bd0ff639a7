package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.WebhookRegistry;
import dev.hookline.filter.Filters;
import dev.hookline.spi.Store;
import dev.hookline.testing.TestWebhooks;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An attempt's deadline covers a response body that never comes (docs/security.md: "a body is ended
 * within 50 ms of the deadline"). The dispatcher's own background work (a purge of a large backlog,
 * a reload of many webhooks, a claim from a slow Store) runs on its scheduler; that must not
 * suspend the deadline of every body being read meanwhile.
 */
class BodyDeadlineWhileSchedulerBusyTest {
  private final Harness h = new Harness();
  private final CountDownLatch purgeStarted = new CountDownLatch(1);
  private final CountDownLatch purgeMayEnd = new CountDownLatch(1);

  /** The harness's store, whose purge takes as long as the test says (a large backlog). */
  private final Store store =
      StoreSpy.around(
          h.store,
          (method, args) -> {
            if (method.equals("purge")) {
              purgeStarted.countDown();
              purgeMayEnd.await(60, TimeUnit.SECONDS);
            }
          });

  private final WebhookRegistry registry =
      WebhookRegistry.builder()
          .store(store)
          .clock(h.clock)
          .filterCompiler(Filters.compiler())
          .allowInsecureLoopbackForDevelopment(true)
          .build();

  /** Answers headers that promise 100 bytes of body, then sends none until the client leaves. */
  private static void serve(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      byte[] buf = new byte[8192];
      if (in.read(buf) < 0) {
        return;
      }
      out.write(
          "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      while (in.read(buf) >= 0) {
        // hold the connection until the client gives up on it
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  @Test
  void aBodyIsCutAtItsDeadlineWhileTheDispatcherPurges() throws Exception {
    ExecutorService serving = Executors.newCachedThreadPool();
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      serving.execute(
          () -> {
            while (!server.isClosed()) {
              try {
                Socket s = server.accept();
                serving.execute(() -> serve(s));
              } catch (IOException e) {
                return;
              }
            }
          });
      var w =
          registry.create(
              dev.hookline.WebhookDefinition.builder()
                  .name("dribble")
                  .uri("http://127.0.0.1:" + server.getLocalPort() + "/hook")
                  .apiKey(Harness.API_KEY)
                  .events(UserEvents.CREATED)
                  .build());
      TestWebhooks.markVerified(registry, w.id());
      registry.enable(w.id());
      try (Dispatcher d =
          Dispatcher.builder()
              .registry(registry)
              .clock(h.clock)
              .jitter(() -> 0.5)
              .retrySchedule(RetrySchedule.builder().attemptTimeout(Duration.ofMillis(500)).build())
              .purgeInterval(Duration.ofMillis(1))
              .shutdownTimeout(Duration.ofSeconds(1))
              .build()
              .start()) {
        try {
          assertTrue(purgeStarted.await(10, TimeUnit.SECONDS), "the purge started");
          Event e = h.event(UserEvents.CREATED);
          d.publish(e);
          // The claim may wait for the scheduler as well; the attempt, once made, ends by its
          // deadline (500 ms) plus the sweep's tick, whatever the scheduler is doing.
          assertTimeoutPreemptively(Duration.ofSeconds(5), d::runDueNow);
          Delivery delivery = h.only(e.id());
          Attempt a = delivery.attempts().get(0);
          // Cut at the deadline; the 200 that came before the body counts (StatusBeforeSlowBody).
          assertEquals(200, a.statusCode().orElse(-1), a.toString());
          assertTrue(a.detail().contains("body too slow"), a.toString());
        } finally {
          purgeMayEnd.countDown();
        }
      }
    } finally {
      serving.shutdownNow();
    }
  }
}
