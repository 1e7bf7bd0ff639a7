package dev.hookline.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One endpoint that never answers cannot starve twenty healthy ones. */
class IsolationTest {
  private static final int HEALTHY = 20;
  private static final int EVENTS = 10;
  private static final int LIMIT = 2;

  @Test
  void aDeadEndpointHoldsOnlyItsOwnSlotsAndHealthyEndpointsGetEverything() throws Exception {
    WireMockServer server = Harness.wireMock();
    HttpClient base = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    CountingHttpClient client = new CountingHttpClient(base);
    Harness h = new Harness();
    try (Blackhole dead = new Blackhole()) {
      server.stubFor(post(urlPathMatching("/ok/.*")).willReturn(aResponse().withStatus(200)));
      Webhook deadHook = h.receiving(dead.url("/dead"), null, UserEvents.CREATED);
      List<Webhook> healthy = new ArrayList<>();
      for (int i = 0; i < HEALTHY; i++) {
        healthy.add(h.receiving(server.baseUrl() + "/ok/" + i, null, UserEvents.CREATED));
      }
      RetrySchedule fastRetries =
          RetrySchedule.builder()
              .delays(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofMillis(100))
              // Long enough that a healthy endpoint on a loaded machine answers within it (a
              // timed-out answer is sent again, and each healthy endpoint must get each event
              // exactly once); the dead endpoint holds its slots this long per attempt.
              .attemptTimeout(Duration.ofSeconds(2))
              .build();
      try (Dispatcher dispatcher =
          h.dispatcher(Duration.ofSeconds(2))
              .clock(Clock.systemUTC())
              .retrySchedule(fastRetries)
              .httpClient(client)
              .workers(8)
              .perEndpointConcurrency(LIMIT)
              .pollInterval(Duration.ofMillis(20))
              .build()
              .start()) {
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
          events.add(h.event(UserEvents.CREATED));
        }
        assertEquals((HEALTHY + 1) * EVENTS, dispatcher.publish(events).count());

        Harness.await(
            Duration.ofSeconds(60),
            () -> healthy.stream().allMatch(w -> dispatcher.summary(w.id()).succeeded() == EVENTS));
        for (int i = 0; i < HEALTHY; i++) {
          server.verify(EVENTS, postRequestedFor(urlEqualTo("/ok/" + i)));
        }
        assertTrue(client.total("/dead") >= LIMIT, "the dead endpoint was tried");
        assertTrue(
            client.maxInFlight("/dead") <= LIMIT,
            "dead endpoint had " + client.maxInFlight("/dead") + " in flight");
        assertEquals(0, dispatcher.summary(deadHook.id()).succeeded());
      }
      assertTrue(client.maxInFlight("/dead") <= LIMIT);
    } finally {
      server.stop();
    }
  }
}
