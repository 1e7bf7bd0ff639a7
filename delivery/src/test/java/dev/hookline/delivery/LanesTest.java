package dev.hookline.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Retries and first attempts are claimed in separate lanes; per-webhook schedules apply. */
class LanesTest {
  private static WireMockServer server;

  @BeforeAll
  static void startServer() {
    server = Harness.wireMock();
    server.stubFor(post(urlEqualTo("/down")).willReturn(aResponse().withStatus(500)));
    server.stubFor(post(urlEqualTo("/up")).willReturn(aResponse().withStatus(200)));
  }

  @AfterAll
  static void stopServer() {
    server.stop();
  }

  @Test
  void aBacklogOfDueRetriesDoesNotHoldBackAFreshEvent() {
    Harness h = new Harness();
    Webhook down = h.receiving(server.baseUrl() + "/down", null, UserEvents.CREATED);
    // One worker: every claim round has room for exactly one attempt.
    try (Dispatcher dispatcher = h.dispatcher(Duration.ofSeconds(2)).workers(1).build()) {
      List<Event> failing = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        failing.add(h.event(UserEvents.CREATED));
      }
      dispatcher.publish(failing);
      dispatcher.runDueNow();
      assertEquals(6, dispatcher.summary(down.id()).retrying());
      h.clock.advance(Duration.ofMinutes(1)); // all six retries are now due

      h.registry.disable(down.id());
      Webhook up = h.receiving(server.baseUrl() + "/up", null, UserEvents.UPDATED);
      Event fresh = h.event(UserEvents.UPDATED);
      dispatcher.publish(fresh);
      h.registry.enable(down.id());

      // The fresh event goes out although six older retries were due before it: among the first
      // two requests (every fourth claim round lets retries go first, so neither lane starves).
      server.resetRequests();
      assertEquals(7, dispatcher.runDueNow());
      List<String> order = new ArrayList<>();
      server.getAllServeEvents().forEach(ev -> order.add(0, ev.getRequest().getUrl()));
      assertEquals(7, order.size(), order.toString());
      assertTrue(order.indexOf("/up") <= 1, order.toString());
      assertEquals(DeliveryState.SUCCEEDED, h.only(fresh.id()).state());
      assertEquals(1, h.only(fresh.id()).attemptCount());
      assertEquals(6, dispatcher.summary(down.id()).retrying());
      assertEquals(1, dispatcher.summary(up.id()).succeeded());
    }
  }

  @Test
  void aWebhookCreatedAfterTheDispatcherCanHaveItsOwnSchedule() {
    Harness h = new Harness();
    RetrySchedule own =
        RetrySchedule.builder()
            .delays(Duration.ofSeconds(42))
            .jitter(0)
            .attemptTimeout(Duration.ofSeconds(2))
            .build();
    RetrySchedule others = RetrySchedule.builder().attemptTimeout(Duration.ofSeconds(2)).build();
    try (Dispatcher dispatcher =
        h.dispatcher(Duration.ofSeconds(2))
            .retrySchedules(w -> w.uri().getPath().equals("/down") ? own : others)
            .build()) {
      h.receiving(server.baseUrl() + "/down", null, UserEvents.CREATED); // created after build
      Event e = h.event(UserEvents.CREATED);
      dispatcher.publish(e);
      dispatcher.runDueNow();
      assertEquals(h.clock.instant().plusSeconds(42), h.only(e.id()).nextAttemptAt().orElseThrow());
      h.clock.advance(Duration.ofSeconds(42));
      dispatcher.runDueNow();
      assertEquals(DeliveryState.FAILED, h.only(e.id()).state());
      assertEquals(2, h.only(e.id()).attemptCount());
    }
  }
}
