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
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Review (round 5): {@link Dispatcher#redeliver} promises "a fresh round of attempts on the retry
 * schedule", but where a round began is worked out from the attempt history with the schedule in
 * force now ({@code AttemptRunner.attemptsInRound}), counting rounds of {@code maxAttempts()}. Once
 * the schedule changed (a host raised the retries after an outage and restarted, or a {@code
 * retrySchedules} function gives the webhook another one), a redelivered delivery's earlier round
 * is read as part of the new one: here the fresh round gets one attempt instead of three.
 */
class RedeliveryRoundAfterScheduleChangeReviewTest {
  private static WireMockServer server;
  private Harness h;
  private Dispatcher dispatcher;
  private final AtomicReference<RetrySchedule> schedule = new AtomicReference<>();

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
    schedule.set(schedule(Duration.ofSeconds(1)));
    dispatcher = h.dispatcher(Duration.ofSeconds(2)).retrySchedules(w -> schedule.get()).build();
  }

  @AfterEach
  void tearDown() {
    dispatcher.close();
  }

  private static RetrySchedule schedule(Duration... delays) {
    return RetrySchedule.builder()
        .delays(delays)
        .jitter(0)
        .attemptTimeout(Duration.ofSeconds(2))
        .build();
  }

  @Test
  void aRedeliveryGetsTheWholeNewScheduleAfterTheScheduleGrew() {
    server.stubFor(post(urlEqualTo("/down")).willReturn(aResponse().withStatus(500)));
    h.receiving(server.baseUrl() + "/down", null, UserEvents.CREATED);
    Event e = h.event(UserEvents.CREATED);
    dispatcher.publish(e);

    // The old schedule: two attempts, then FAILED.
    dispatcher.runDueNow();
    h.clock.advance(Duration.ofSeconds(1));
    dispatcher.runDueNow();
    Delivery failed = h.only(e.id());
    assertEquals(DeliveryState.FAILED, failed.state());
    assertEquals(2, failed.attemptCount());

    // The schedule now allows three attempts; the delivery is redelivered: a fresh round.
    schedule.set(schedule(Duration.ofSeconds(1), Duration.ofSeconds(1)));
    assertTrue(dispatcher.redeliver(failed.id()));
    dispatcher.runDueNow();

    Delivery d = h.only(e.id());
    assertEquals(3, d.attemptCount());
    assertEquals(
        DeliveryState.RETRYING,
        d.state(),
        "the first attempt of the redelivery's round ended it: the round's attempts were counted"
            + " from the previous round");
  }
}
