package dev.hookline.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.hookline.Delivery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Review (round 5): a {@code Retry-After} shorter than the schedule's delay replaced it. An
 * endpoint (or the proxy in front of it) that answers 503 with {@code Retry-After: 0} or {@code 1}
 * during an outage of a few minutes used up all six attempts of the default schedule within
 * seconds, and the delivery ended {@code FAILED} instead of being retried over the schedule's 25
 * hours.
 */
class RetryAfterShortensScheduleReviewTest {
  private static WireMockServer server;
  private Harness h;
  private Dispatcher dispatcher;

  @BeforeAll
  static void startServer() {
    server = Harness.wireMock();
  }

  @AfterAll
  static void stopServer() {
    server.stop();
  }

  @BeforeEach
  void setUp() {
    server.resetAll();
    h = new Harness();
    dispatcher = h.dispatcher(Duration.ofSeconds(2)).build();
  }

  @AfterEach
  void tearDown() {
    dispatcher.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "1"})
  void aShortRetryAfterDoesNotBringTheNextAttemptBeforeTheSchedulesDelay(String retryAfter) {
    server.stubFor(
        post(urlEqualTo("/busy"))
            .willReturn(aResponse().withStatus(503).withHeader("Retry-After", retryAfter)));
    h.receiving(server.baseUrl() + "/busy", null, UserEvents.CREATED);
    Event e = h.event(UserEvents.CREATED);
    dispatcher.publish(e);
    Instant first = h.clock.instant();

    dispatcher.runDueNow();
    // A second later (what the endpoint asked for, at most), the delivery runs again, if due.
    h.clock.advance(Duration.ofSeconds(1));
    dispatcher.runDueNow();

    Delivery d = h.only(e.id());
    assertEquals(
        DeliveryState.RETRYING,
        d.state(),
        "after one second of 503s the delivery is "
            + d.state()
            + " with "
            + d.attemptCount()
            + " attempts");
    assertEquals(1, d.attemptCount(), "attempts made within one second of the first");
    // The schedule's first delay is 3 s (jitter at the midpoint here): Retry-After may lengthen
    // it, not shorten it.
    assertTrue(
        !d.nextAttemptAt().orElseThrow().isBefore(first.plusSeconds(3)),
        "next attempt at " + d.nextAttemptAt().orElseThrow() + ", first at " + first);
  }
}
