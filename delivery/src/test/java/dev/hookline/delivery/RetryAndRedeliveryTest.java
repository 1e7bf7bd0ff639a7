package dev.hookline.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryCounts;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The full retry schedule on a manual clock, failed deliveries, redelivery and retention. */
class RetryAndRedeliveryTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  private static WireMockServer server;
  private Harness h;
  private Dispatcher dispatcher;
  private final List<Delivery> failedForGood = new ArrayList<>();

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
    Random seeded = new Random(42);
    dispatcher =
        h.dispatcher(TIMEOUT)
            .jitter(seeded::nextDouble)
            .redeliveryPace(Duration.ofSeconds(2))
            .listener(
                new DeliveryListener() {
                  @Override
                  public void deliveryFailed(Delivery delivery, Attempt lastAttempt) {
                    failedForGood.add(delivery);
                  }
                })
            .build();
  }

  @AfterEach
  void tearDown() {
    dispatcher.close();
  }

  @Test
  void theFullScheduleRunsOnTheManualClockThenARedeliverySucceedsWithTheSameEventId() {
    server.stubFor(post(urlEqualTo("/down")).willReturn(aResponse().withStatus(500)));
    Webhook w = h.receiving(server.baseUrl() + "/down", null, UserEvents.CREATED);
    Event e = h.event(UserEvents.CREATED);
    dispatcher.publish(e);

    List<Duration> base = RetrySchedule.defaults().delays();
    assertEquals(1, dispatcher.runDueNow());
    for (int retry = 0; retry < base.size(); retry++) {
      Delivery d = h.only(e.id());
      assertEquals(DeliveryState.RETRYING, d.state());
      assertEquals(retry + 1, d.attemptCount());
      Instant last = d.lastAttempt().orElseThrow().startedAt();
      Instant due = d.nextAttemptAt().orElseThrow();
      Duration delay = Duration.between(last, due);
      Duration expected = base.get(retry);
      assertTrue(
          delay.compareTo(expected.multipliedBy(8).dividedBy(10)) >= 0
              && delay.compareTo(expected.multipliedBy(12).dividedBy(10)) <= 0,
          "retry " + (retry + 1) + " after " + delay + ", expected " + expected + " ±20%");

      // Just before the due time nothing happens; at the due time the next attempt runs.
      h.clock.set(due.minusMillis(1));
      assertEquals(0, dispatcher.runDueNow());
      h.clock.set(due);
      assertEquals(1, dispatcher.runDueNow());
      assertEquals(due, h.only(e.id()).lastAttempt().orElseThrow().startedAt());
    }

    Delivery failed = h.only(e.id());
    assertEquals(DeliveryState.FAILED, failed.state());
    assertEquals(6, failed.attemptCount());
    assertTrue(failed.nextAttemptAt().isEmpty());
    for (int i = 0; i < 6; i++) {
      assertEquals(i + 1, failed.attempts().get(i).number());
      assertEquals(500, failed.attempts().get(i).statusCode().getAsInt());
    }
    assertEquals(1, failedForGood.size());
    h.clock.advance(Duration.ofDays(3));
    assertEquals(0, dispatcher.runDueNow(), "a failed delivery is not retried by itself");

    // Queryable by webhook and state, counted in the summary.
    List<Delivery> listed =
        dispatcher.deliveries(
            DeliveryQuery.builder().webhook(w.id()).states(DeliveryState.FAILED).build());
    assertEquals(List.of(failed.id()), listed.stream().map(Delivery::id).toList());
    DeliveryCounts counts = dispatcher.summary(w.id());
    assertEquals(1, counts.total());
    assertEquals(1, counts.failed());

    // The endpoint recovers; a redelivery keeps the event id and the history.
    server.stubFor(post(urlEqualTo("/down")).willReturn(aResponse().withStatus(200)));
    assertTrue(dispatcher.redeliver(failed.id()));
    assertFalse(dispatcher.redeliver(failed.id()), "already queued");
    assertEquals(1, dispatcher.runDueNow());
    Delivery redelivered = h.only(e.id());
    assertEquals(failed.id(), redelivered.id());
    assertEquals(DeliveryState.SUCCEEDED, redelivered.state());
    assertEquals(7, redelivered.attemptCount());
    assertEquals(200, redelivered.lastAttempt().orElseThrow().statusCode().getAsInt());
    List<LoggedRequest> requests = server.findAll(postRequestedFor(urlEqualTo("/down")));
    assertEquals(7, requests.size());
    for (LoggedRequest r : requests) {
      assertEquals(e.id(), r.getHeader("webhook-id"));
    }
    assertEquals(1, dispatcher.summary(w.id()).succeeded());
  }

  @Test
  void aRedeliveredDeliveryGetsAFreshRoundOfAttempts() {
    RetrySchedule twoAttempts =
        RetrySchedule.builder().delays(Duration.ofSeconds(10)).attemptTimeout(TIMEOUT).build();
    dispatcher.close();
    dispatcher = h.dispatcher(TIMEOUT).retrySchedule(twoAttempts).build();
    server.stubFor(post(urlEqualTo("/flaky")).willReturn(aResponse().withStatus(502)));
    h.receiving(server.baseUrl() + "/flaky", null, UserEvents.CREATED);
    Event e = h.event(UserEvents.CREATED);
    dispatcher.publish(e);
    dispatcher.runDueNow();
    h.clock.advance(Duration.ofSeconds(10));
    dispatcher.runDueNow();
    assertEquals(DeliveryState.FAILED, h.only(e.id()).state());

    assertTrue(dispatcher.redeliver(h.only(e.id()).id()));
    dispatcher.runDueNow();
    Delivery d = h.only(e.id());
    assertEquals(DeliveryState.RETRYING, d.state(), "the new round has a retry left");
    assertEquals(3, d.attemptCount());
    h.clock.advance(Duration.ofSeconds(10));
    dispatcher.runDueNow();
    assertEquals(DeliveryState.FAILED, h.only(e.id()).state());
    assertEquals(4, h.only(e.id()).attemptCount());
  }

  @Test
  void redeliverFailedRequeuesEveryFailedDeliverySinceATimePacedApart() {
    RetrySchedule single =
        RetrySchedule.builder().delays(List.of()).attemptTimeout(TIMEOUT).build();
    dispatcher.close();
    dispatcher =
        h.dispatcher(TIMEOUT).retrySchedule(single).redeliveryPace(Duration.ofSeconds(2)).build();
    server.stubFor(post(urlEqualTo("/batch")).willReturn(aResponse().withStatus(500)));
    Webhook w = h.receiving(server.baseUrl() + "/batch", null, UserEvents.CREATED);
    Event old = h.event(UserEvents.CREATED);
    dispatcher.publish(old);
    dispatcher.runDueNow();
    h.clock.advance(Duration.ofHours(1));
    Instant since = h.clock.instant();
    List<Event> recent = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Event e = h.event(UserEvents.CREATED);
      recent.add(e);
      dispatcher.publish(e);
      h.clock.advance(Duration.ofSeconds(1));
    }
    dispatcher.runDueNow();
    assertEquals(4, dispatcher.summary(w.id()).failed());

    server.stubFor(post(urlEqualTo("/batch")).willReturn(aResponse().withStatus(200)));
    Instant now = h.clock.instant();
    assertEquals(3, dispatcher.redeliverFailed(w.id(), since));
    List<Instant> dues = new ArrayList<>();
    for (Event e : recent) {
      Delivery d = h.only(e.id());
      assertEquals(DeliveryState.RETRYING, d.state());
      dues.add(d.nextAttemptAt().orElseThrow());
    }
    assertEquals(List.of(now, now.plusSeconds(2), now.plusSeconds(4)), dues, "oldest first, paced");
    assertEquals(DeliveryState.FAILED, h.only(old.id()).state(), "older than since: untouched");

    assertEquals(1, dispatcher.runDueNow(), "only the first is due now");
    h.clock.advance(Duration.ofSeconds(4));
    assertEquals(2, dispatcher.runDueNow());
    for (Event e : recent) {
      assertEquals(DeliveryState.SUCCEEDED, h.only(e.id()).state());
    }
  }

  @Test
  void redeliverFailedGoesOldestFirstAcrossPagesAndTies() {
    RetrySchedule single =
        RetrySchedule.builder().delays(List.of()).attemptTimeout(TIMEOUT).build();
    dispatcher.close();
    dispatcher =
        h.dispatcher(TIMEOUT)
            .retrySchedule(single)
            .redeliveryPace(Duration.ofSeconds(2))
            // never opens over this run of failures, so every delivery gets its one attempt
            .circuitBreaker(
                CircuitBreakerPolicy.builder().window(10_000).minimumAttempts(10_000).build())
            .build();
    server.stubFor(post(urlEqualTo("/many")).willReturn(aResponse().withStatus(500)));
    Webhook w = h.receiving(server.baseUrl() + "/many", null, UserEvents.CREATED);
    Instant since = h.clock.instant();
    int n = 1_100; // more than two of the Outbox's pages of 500
    for (int i = 0; i < n; i++) {
      dispatcher.publish(h.event(UserEvents.CREATED));
      if (i % 3 == 2) {
        h.clock.advance(Duration.ofMillis(1)); // threes share an instant, across page boundaries
      }
    }
    while (dispatcher.runDueNow() > 0) {
      // every delivery fails on its only attempt
    }
    assertEquals(n, dispatcher.summary(w.id()).failed());

    Instant now = h.clock.instant();
    assertEquals(n, dispatcher.redeliverFailed(w.id(), since));
    List<Delivery> requeued =
        new ArrayList<>(
            h.store.findDeliveries(DeliveryQuery.builder().webhook(w.id()).limit(10_000).build()));
    assertEquals(n, requeued.size());
    requeued.sort(
        java.util.Comparator.comparing(Delivery::createdAt)
            .thenComparing(d -> d.nextAttemptAt().orElseThrow()));
    for (int i = 0; i < n; i++) {
      Delivery d = requeued.get(i);
      assertEquals(DeliveryState.RETRYING, d.state());
      assertEquals(
          now.plusSeconds(2L * i), d.nextAttemptAt().orElseThrow(), "oldest first, at " + i);
    }
  }

  @Test
  void finishedDeliveriesArePurgedAfterTheRetentionPeriod() {
    server.stubFor(post(urlEqualTo("/ok")).willReturn(aResponse().withStatus(200)));
    h.receiving(server.baseUrl() + "/ok", null, UserEvents.CREATED);
    Event e = h.event(UserEvents.CREATED);
    dispatcher.publish(e);
    dispatcher.runDueNow();
    h.clock.advance(Duration.ofDays(7).minusSeconds(1));
    assertEquals(0, dispatcher.purgeExpired());
    assertEquals(DeliveryState.SUCCEEDED, h.only(e.id()).state());
    h.clock.advance(Duration.ofSeconds(2));
    assertEquals(1, dispatcher.purgeExpired());
    assertTrue(h.store.findDeliveries(DeliveryQuery.builder().event(e.id()).build()).isEmpty());
  }
}
