package dev.hookline.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.spy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookStatus;
import dev.hookline.store.InMemoryStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The attempt hook: called around each attempt on one thread, adds headers, sees the outcome. */
class AttemptObserverTest {
  private static final String TRACEPARENT =
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  /**
   * No attempt here is meant to time out: each endpoint answers at once, so the deadline only
   * bounds a failure. It was 2 s, which a fresh client's first exchange on a loaded machine could
   * use up, failing an attempt that should have been answered.
   */
  private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(30);

  private static WireMockServer server;
  private Harness h;
  private Dispatcher dispatcher;

  /** What the observer saw, in order: "before:<attempt>", "after:<outcome>". */
  private final List<String> seen = new CopyOnWriteArrayList<>();

  private final List<AttemptResult> results = new CopyOnWriteArrayList<>();
  private final List<AttemptRequest> requests = new CopyOnWriteArrayList<>();
  private final List<String> refused = new CopyOnWriteArrayList<>();

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
  }

  @AfterEach
  void tearDown() {
    if (dispatcher != null) {
      dispatcher.close();
    }
  }

  /** Records what it sees, adds a header, and tries to override every reserved one. */
  private final AttemptObserver recording =
      request -> {
        Thread before = Thread.currentThread();
        requests.add(request);
        seen.add("before:" + request.attemptNumber());
        request.header("X-Trace-Test", "attempt-" + request.attemptNumber());
        for (String reserved :
            List.of("Authorization", "webhook-id", "Webhook-Signature", "content-type", "Host")) {
          try {
            request.header(reserved, "forged");
          } catch (IllegalArgumentException e) {
            refused.add(reserved);
          }
        }
        return result -> {
          assertEquals(before, Thread.currentThread(), "after runs on the thread of before");
          seen.add("after:" + result.outcome());
          results.add(result);
        };
      };

  private Webhook hook(String path) {
    return h.receiving(server.baseUrl() + path, null, UserEvents.CREATED);
  }

  @Test
  void anObserverAddsAHeaderButCannotOverrideHooklinesOwn() {
    server.stubFor(post(urlEqualTo("/ok")).willReturn(aResponse().withStatus(204)));
    dispatcher = h.dispatcher(ATTEMPT_TIMEOUT).attemptObserver(recording).build();
    Webhook w = hook("/ok");
    Event e = h.event(UserEvents.CREATED);
    dispatcher.publish(e);
    assertEquals(1, dispatcher.runDueNow());

    assertEquals(List.of("before:1", "after:SUCCEEDED"), seen);
    assertEquals(
        List.of("Authorization", "webhook-id", "Webhook-Signature", "content-type", "Host"),
        refused);
    LoggedRequest r = server.findAll(postRequestedFor(urlEqualTo("/ok"))).get(0);
    assertEquals("attempt-1", r.getHeader("X-Trace-Test"));
    assertEquals("Bearer " + Harness.API_KEY, r.getHeader("Authorization"));
    assertEquals(e.id(), r.getHeader("webhook-id"));
    assertEquals(1, r.getHeaders().getHeader("webhook-id").values().size());
    assertFalse(r.getHeader("webhook-signature").contains("forged"));

    AttemptRequest req = requests.get(0);
    assertEquals(w.id(), req.webhook().id());
    assertEquals(h.only(e.id()).id(), req.deliveryId());
    assertEquals("user.created", req.eventType());
    assertEquals("POST", req.method());
    assertEquals(w.uri(), req.uri());
    assertEquals(server.baseUrl() + "/…", req.redactedUri());
    assertEquals(Optional.empty(), req.publishContext());
    assertThrows(IllegalStateException.class, () -> req.header("X-Late", "no"), "sealed");

    AttemptResult ok = results.get(0);
    assertEquals(204, ok.statusCode().getAsInt());
    assertEquals(Optional.empty(), ok.errorKind());
    assertFalse(ok.failed());
    assertFalse(ok.webhookDisabled());
  }

  @Test
  void theObserverSeesARetryThenASuccessThenA410ThatDisablesTheWebhook() {
    server.stubFor(
        post(urlEqualTo("/flaky"))
            .inScenario("flaky")
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(aResponse().withStatus(500))
            .willSetStateTo("up"));
    server.stubFor(
        post(urlEqualTo("/flaky"))
            .inScenario("flaky")
            .whenScenarioStateIs("up")
            .willReturn(aResponse().withStatus(200)));
    server.stubFor(post(urlEqualTo("/gone")).willReturn(aResponse().withStatus(410)));
    dispatcher = h.dispatcher(ATTEMPT_TIMEOUT).attemptObserver(recording).build();
    Webhook flaky = hook("/flaky");
    dispatcher.publish(h.event(UserEvents.CREATED));
    dispatcher.runDueNow();
    h.clock.advance(Duration.ofHours(1));
    dispatcher.runDueNow();
    assertEquals(List.of("before:1", "after:RETRY_SCHEDULED", "before:2", "after:SUCCEEDED"), seen);
    assertEquals(500, results.get(0).statusCode().getAsInt());
    assertTrue(results.get(0).nextAttemptAt().isPresent());
    assertTrue(results.get(0).failed());

    seen.clear();
    results.clear();
    h.registry.delete(flaky.id());
    Webhook gone = hook("/gone");
    Event e = h.event(UserEvents.CREATED);
    dispatcher.publish(e);
    dispatcher.runDueNow();
    assertEquals(List.of("before:1", "after:FAILED"), seen);
    assertTrue(results.get(0).webhookDisabled());
    assertEquals(410, results.get(0).statusCode().getAsInt());
    assertEquals(WebhookStatus.DISABLED_BY_FAILURE, h.registry.require(gone.id()).status());
  }

  @Test
  void aFailingObserverDoesNotStopTheDelivery() {
    server.stubFor(post(urlEqualTo("/ok")).willReturn(aResponse().withStatus(200)));
    List<String> calls = new ArrayList<>();
    AttemptObserver throwsBefore =
        request -> {
          calls.add("before");
          throw new IllegalStateException("observer bug");
        };
    AttemptObserver throwsAfter =
        request ->
            result -> {
              calls.add("after");
              throw new IllegalStateException("observer bug");
            };
    dispatcher =
        h.dispatcher(ATTEMPT_TIMEOUT)
            .attemptObserver(AttemptObserver.composite(List.of(throwsAfter, recording)))
            .build();
    hook("/ok");
    Event e = h.event(UserEvents.CREATED);
    dispatcher.publish(e);
    dispatcher.runDueNow();
    assertEquals(DeliveryState.SUCCEEDED, h.only(e.id()).state());
    assertEquals(List.of("after"), calls);
    assertEquals(List.of("before:1", "after:SUCCEEDED"), seen, "the other observer still ran");

    dispatcher.close();
    dispatcher = h.dispatcher(ATTEMPT_TIMEOUT).attemptObserver(throwsBefore).build();
    Event e2 = h.event(UserEvents.CREATED);
    dispatcher.publish(e2);
    dispatcher.runDueNow();
    assertEquals(DeliveryState.SUCCEEDED, h.only(e2.id()).state());
    assertEquals(List.of("after", "before"), calls);
  }

  /**
   * A LinkageError from a tracing library of the wrong version is an Error, not a RuntimeException:
   * it must not keep a delivered notification from being recorded (it was then sent again at every
   * lease expiry) nor an attempt from being made.
   */
  @Test
  void anObserverThrowingAnErrorDoesNotStopTheDeliveryNorItsRecord() {
    server.stubFor(post(urlEqualTo("/ok")).willReturn(aResponse().withStatus(200)));
    AttemptObserver errorAfter =
        request ->
            result -> {
              throw new NoSuchMethodError("io.opentelemetry.api.trace.Span.end");
            };
    dispatcher =
        h.dispatcher(ATTEMPT_TIMEOUT)
            .attemptObserver(AttemptObserver.composite(List.of(recording, errorAfter)))
            .build();
    hook("/ok");
    Event e = h.event(UserEvents.CREATED);
    dispatcher.publish(e);
    dispatcher.runDueNow();
    assertEquals(DeliveryState.SUCCEEDED, h.only(e.id()).state());
    assertEquals(1, h.only(e.id()).attempts().size());
    assertEquals(
        List.of("before:1", "after:SUCCEEDED"), seen, "the other observer's scope was closed");

    dispatcher.close();
    AttemptObserver errorBefore =
        request -> {
          throw new NoClassDefFoundError("io/opentelemetry/api/trace/Span");
        };
    dispatcher = h.dispatcher(ATTEMPT_TIMEOUT).attemptObserver(errorBefore).build();
    Event e2 = h.event(UserEvents.CREATED);
    dispatcher.publish(e2);
    dispatcher.runDueNow();
    assertEquals(DeliveryState.SUCCEEDED, h.only(e2.id()).state());
    assertEquals(2, server.getAllServeEvents().size(), "each event sent once");
  }

  /**
   * The listener's own work (an alert, a write) is not part of the attempt: on every failure path,
   * as on success, it runs after the observer's scope has ended, so it is neither timed as the
   * attempt nor inside its span.
   */
  @Test
  void theListenerIsToldOfAFailureOnlyAfterTheScopeHasEnded() {
    server.stubFor(post(urlEqualTo("/fails")).willReturn(aResponse().withStatus(500)));
    server.stubFor(post(urlEqualTo("/gone")).willReturn(aResponse().withStatus(410)));
    ThreadLocal<String> current = new ThreadLocal<>();
    AttemptObserver scoped =
        request -> {
          current.set("attempt " + request.attemptNumber());
          return result -> current.remove();
        };
    List<String> told = new CopyOnWriteArrayList<>();
    DeliveryListener listener =
        new DeliveryListener() {
          @Override
          public void attemptFailed(
              Delivery delivery, Attempt attempt, Optional<Instant> nextAttemptAt) {
            told.add("attemptFailed in scope=" + (current.get() != null));
          }

          @Override
          public void deliveryFailed(Delivery delivery, Attempt lastAttempt) {
            told.add("deliveryFailed in scope=" + (current.get() != null));
          }

          @Override
          public void webhookDisabled(String webhookId, String reason) {
            told.add("webhookDisabled in scope=" + (current.get() != null));
          }
        };
    dispatcher = h.dispatcher(ATTEMPT_TIMEOUT).attemptObserver(scoped).listener(listener).build();
    hook("/fails");
    hook("/gone");
    dispatcher.publish(h.event(UserEvents.CREATED));
    dispatcher.runDueNow();
    assertEquals(
        List.of(
            "attemptFailed in scope=false",
            "attemptFailed in scope=false",
            "deliveryFailed in scope=false",
            "webhookDisabled in scope=false"),
        told.stream().sorted().toList());
  }

  /**
   * The endpoint answered 500 but the Store failed to record it: the attempt is not counted (the
   * delivery is released for a later try), yet the observer still learns what the endpoint
   * answered, so a span or a timer does not show a clean call.
   */
  @Test
  void anOutcomeTheStoreFailedToRecordStillCarriesTheEndpointsStatus() {
    server.stubFor(post(urlEqualTo("/fails")).willReturn(aResponse().withStatus(500)));
    InMemoryStore failing = spy(new InMemoryStore());
    doThrow(new IllegalStateException("database down"))
        .when(failing)
        .reschedule(any(), any(), any(), any());
    h = new Harness(failing);
    dispatcher = h.dispatcher(ATTEMPT_TIMEOUT).attemptObserver(recording).build();
    hook("/fails");
    Event e = h.event(UserEvents.CREATED);
    dispatcher.publish(e);
    dispatcher.runDueNow();
    assertEquals(1, results.size());
    AttemptResult result = results.get(0);
    assertEquals(AttemptResult.Outcome.NOT_ATTEMPTED, result.outcome());
    assertEquals(OptionalInt.of(500), result.statusCode());
    assertTrue(h.only(e.id()).attempts().isEmpty(), "not counted: nothing was recorded");
  }

  @Test
  void aCompositeStillClosesTheScopesItOpenedWhenAnotherObserverThrows() {
    server.stubFor(post(urlEqualTo("/ok")).willReturn(aResponse().withStatus(200)));
    AttemptObserver throwsBefore =
        request -> {
          throw new IllegalStateException("observer bug");
        };
    dispatcher =
        h.dispatcher(ATTEMPT_TIMEOUT)
            .attemptObserver(AttemptObserver.composite(List.of(recording, throwsBefore)))
            .build();
    hook("/ok");
    Event e = h.event(UserEvents.CREATED);
    dispatcher.publish(e);
    dispatcher.runDueNow();
    assertEquals(DeliveryState.SUCCEEDED, h.only(e.id()).state());
    assertEquals(List.of("before:1", "after:SUCCEEDED"), seen, "the opened scope was closed");
  }

  @Test
  void thePublishContextIsCapturedOncePerEventAndSeenByEveryAttempt() {
    server.stubFor(post(urlEqualTo("/ok")).willReturn(aResponse().withStatus(200)));
    List<String> capturedFor = new CopyOnWriteArrayList<>();
    dispatcher =
        h.dispatcher(ATTEMPT_TIMEOUT)
            .publishContext(
                event -> {
                  capturedFor.add(event.id());
                  return Optional.of(TRACEPARENT);
                })
            .attemptObserver(recording)
            .build();
    hook("/ok");
    hook("/ok");
    Event e = h.event(UserEvents.CREATED);
    dispatcher.publish(e);
    assertEquals(List.of(e.id()), capturedFor, "once per event, not per delivery");
    dispatcher.runDueNow();
    assertEquals(2, requests.size());
    for (AttemptRequest r : requests) {
      assertEquals(Optional.of(TRACEPARENT), r.publishContext());
      assertEquals(Optional.of(TRACEPARENT), h.reload(r.delivery()).publishContext());
    }
  }

  @Test
  void aFailingOrOversizedCaptureStillPublishesTheEvent() {
    dispatcher =
        h.dispatcher(ATTEMPT_TIMEOUT)
            .publishContext(
                event -> {
                  String user = event.data().get("user_id").asText();
                  if (user.equals("boom")) {
                    throw new IllegalStateException("capturer bug");
                  }
                  if (user.equals("nul")) {
                    return Optional.of("00-trace\u0000-01"); // PostgreSQL's text refuses U+0000
                  }
                  if (user.equals("c1")) {
                    return Optional.of("00-trace\u0085-01"); // a C1 control: no header holds it
                  }
                  if (user.equals("plain")) {
                    return Optional.of("00-trace-~-01"); // printable, to its last character
                  }
                  return Optional.of("x".repeat(513));
                })
            .build();
    hook("/ok");
    Event boom = h.event(UserEvents.CREATED, "boom");
    Event huge = h.event(UserEvents.CREATED);
    Event nul = h.event(UserEvents.CREATED, "nul");
    Event c1 = h.event(UserEvents.CREATED, "c1");
    Event plain = h.event(UserEvents.CREATED, "plain");
    for (Event e : List.of(boom, huge, nul, c1, plain)) {
      assertEquals(1, dispatcher.publish(e).deliveries().size(), e.id());
    }
    assertEquals(Optional.empty(), h.only(boom.id()).publishContext());
    assertEquals(Optional.empty(), h.only(huge.id()).publishContext());
    assertEquals(Optional.empty(), h.only(nul.id()).publishContext());
    assertEquals(Optional.empty(), h.only(c1.id()).publishContext());
    assertEquals(Optional.of("00-trace-~-01"), h.only(plain.id()).publishContext());
  }

  /** An observer that records the deletions it is told of, and throws after each if asked. */
  private static AttemptObserver deletionsInto(List<String> deleted, boolean throwing) {
    return new AttemptObserver() {
      @Override
      public Scope beforeAttempt(AttemptRequest request) {
        return Scope.none();
      }

      @Override
      public void webhookDeleted(String webhookId) {
        deleted.add(webhookId);
        if (throwing) {
          throw new IllegalStateException("a broken observer");
        }
      }
    };
  }

  @Test
  void observersAreToldOfDeletionsMadeHereAndOfThoseOnlyTheStoreShows() {
    List<String> deletedA = new CopyOnWriteArrayList<>();
    List<String> deletedB = new CopyOnWriteArrayList<>();
    AttemptObserver a = deletionsInto(deletedA, false);
    AttemptObserver b = deletionsInto(deletedB, true);
    dispatcher =
        h.dispatcher(ATTEMPT_TIMEOUT)
            .attemptObserver(AttemptObserver.composite(List.of(b, a)))
            .build();
    Webhook here = hook("/here");
    Webhook elsewhere = hook("/elsewhere");
    dispatcher.reloadWebhooks(); // the dispatcher's view knows both

    h.registry.delete(here.id());
    assertEquals(List.of(here.id()), deletedA, "a deletion through the registry");

    // Another instance's deletion: only the Store shows it, seen at the next reload.
    h.store.deleteWebhook(elsewhere.id());
    dispatcher.reloadWebhooks();
    assertEquals(List.of(here.id(), elsewhere.id()), deletedA, "one only the Store shows");
    assertEquals(deletedA, deletedB, "each observer told, one that throws stops no other");
  }

  @Test
  void withoutAnObserverNothingIsObservedAndCountsAreReadable() {
    server.stubFor(post(urlEqualTo("/down")).willReturn(aResponse().withStatus(500)));
    dispatcher = h.dispatcher(ATTEMPT_TIMEOUT).build();
    hook("/down");
    dispatcher.publish(h.event(UserEvents.CREATED));
    dispatcher.publish(h.event(UserEvents.CREATED));
    assertEquals(2, dispatcher.summary().pending());
    dispatcher.runDueNow();
    assertEquals(2, dispatcher.summary().retrying());
    assertEquals(0, dispatcher.openCircuitBreakers());
    assertTrue(seen.isEmpty());
  }
}
