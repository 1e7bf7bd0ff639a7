package dev.hookline.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.hookline.Delivery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;

/** close(): stop claiming, let running attempts finish up to a deadline, release the rest. */
class ShutdownTest {

  private static List<String> hooklineThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("hookline-"))
        // The registries' registration lookups share one process-wide pool (core's WebhookRules),
        // no dispatcher's: its idle threads end by themselves after 10 s.
        .filter(n -> !n.equals("hookline-registration-dns"))
        .toList();
  }

  @Test
  void anAttemptInFlightFinishesAndIsRecordedDuringClose() {
    WireMockServer server = Harness.wireMock();
    try {
      server.stubFor(
          post(urlEqualTo("/slow")).willReturn(aResponse().withStatus(200).withFixedDelay(500)));
      Harness h = new Harness();
      h.receiving(server.baseUrl() + "/slow", null, UserEvents.CREATED);
      Dispatcher dispatcher =
          h.dispatcher(Duration.ofSeconds(5))
              .clock(Clock.systemUTC())
              .shutdownTimeout(Duration.ofSeconds(10))
              .build()
              .start();
      Event e = h.event(UserEvents.CREATED);
      dispatcher.publish(e);
      // The request has reached the endpoint (WireMock logs it before its 500 ms delay): claimed
      // (IN_FLIGHT) is not enough, as a claim round that has not yet handed the delivery to a
      // worker when close() stops claiming gives it back unattempted.
      Harness.await(
          Duration.ofSeconds(10),
          () -> server.findAll(postRequestedFor(urlEqualTo("/slow"))).size() == 1);
      dispatcher.close();
      Delivery d = h.only(e.id());
      assertEquals(DeliveryState.SUCCEEDED, d.state());
      assertEquals(1, d.attemptCount());
      // Well under the 10 s an idle DNS lookup thread lives: close() ends the dispatcher's own.
      Harness.await(Duration.ofSeconds(5), () -> hooklineThreads().isEmpty());
    } finally {
      server.stop();
    }
  }

  @Test
  void anAttemptStillRunningAtTheDeadlineIsCutOffAndReleasedUnattempted() throws Exception {
    Harness h = new Harness();
    try (Blackhole dead = new Blackhole()) {
      h.receiving(dead.url("/never"), null, UserEvents.CREATED);
      Dispatcher dispatcher =
          h.dispatcher(Duration.ofSeconds(30))
              .clock(Clock.systemUTC())
              .shutdownTimeout(Duration.ofMillis(300))
              .build()
              .start();
      Event e = h.event(UserEvents.CREATED);
      dispatcher.publish(e);
      Harness.await(
          Duration.ofSeconds(10), () -> h.only(e.id()).state() == DeliveryState.IN_FLIGHT);
      long start = System.nanoTime();
      dispatcher.close();
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertTrue(ms < 5_000, "close took " + ms + " ms");
      Delivery d = h.only(e.id());
      assertEquals(DeliveryState.PENDING, d.state(), "released back to the queue");
      assertEquals(0, d.attemptCount());
      assertTrue(d.lease().isEmpty());
      Harness.await(Duration.ofSeconds(10), () -> hooklineThreads().isEmpty());

      assertThrows(IllegalStateException.class, () -> dispatcher.publish(e));
      assertThrows(IllegalStateException.class, dispatcher::runDueNow);
      dispatcher.close(); // idempotent
    }
  }

  @Test
  void callerOwnedResourcesStayOpen() {
    Harness h = new Harness();
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try {
      Dispatcher dispatcher =
          h.dispatcher(Duration.ofSeconds(1)).scheduler(scheduler).build().start();
      dispatcher.close();
      assertFalse(scheduler.isShutdown());
      Harness.await(Duration.ofSeconds(10), () -> hooklineThreads().isEmpty());
    } finally {
      scheduler.shutdownNow();
    }
  }
}
