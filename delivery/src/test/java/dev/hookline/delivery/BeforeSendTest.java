package dev.hookline.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link AttemptObserver.Scope#beforeSend}: told on the attempt's thread just before the request
 * goes to the HTTP client, its undo once the endpoint has answered and before the outcome; one that
 * throws is logged and the attempt goes on; a composite tells each in order and undoes in reverse.
 */
class BeforeSendTest {
  private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(30);

  private static WireMockServer server;
  private Harness h;
  private Dispatcher dispatcher;

  /** What the observers saw, in order. */
  private final List<String> seen = new CopyOnWriteArrayList<>();

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
    server.stubFor(post(urlEqualTo("/ok")).willReturn(aResponse().withStatus(204)));
    h = new Harness();
    h.receiving(server.baseUrl() + "/ok", null, UserEvents.CREATED);
  }

  @AfterEach
  void tearDown() {
    if (dispatcher != null) {
      dispatcher.close();
    }
  }

  /** How many requests the endpoint has received so far. */
  private static int received() {
    return server.findAll(postRequestedFor(urlEqualTo("/ok"))).size();
  }

  /** Records each call with the requests received then; {@code fail} names calls that throw. */
  private AttemptObserver observer(String name, String fail) {
    return request -> {
      Thread attempt = Thread.currentThread();
      seen.add(name + ".before");
      return new AttemptObserver.Scope() {
        @Override
        public void afterAttempt(AttemptResult result) {
          assertEquals(attempt, Thread.currentThread());
          seen.add(name + ".after:" + result.outcome());
        }

        @Override
        public Runnable beforeSend() {
          assertEquals(attempt, Thread.currentThread());
          seen.add(name + ".send:" + received());
          if (fail.contains("send")) {
            throw new IllegalStateException("observer bug in beforeSend");
          }
          return () -> {
            assertEquals(attempt, Thread.currentThread());
            seen.add(name + ".sent:" + received());
            if (fail.contains("sent")) {
              throw new IllegalStateException("observer bug in its undo");
            }
          };
        }
      };
    };
  }

  private Event deliverOne() {
    Event e = h.event(UserEvents.CREATED);
    dispatcher.publish(e);
    assertEquals(1, dispatcher.runDueNow());
    return e;
  }

  @Test
  void toldJustBeforeTheRequestGoesOutAndUndoneOnceAnsweredBeforeTheOutcome() {
    dispatcher = h.dispatcher(ATTEMPT_TIMEOUT).attemptObserver(observer("a", "")).build();
    Event e = deliverOne();
    assertEquals(DeliveryState.SUCCEEDED, h.only(e.id()).state());
    assertEquals(List.of("a.before", "a.send:0", "a.sent:1", "a.after:SUCCEEDED"), seen);
  }

  @Test
  void aCompositeTellsEachInOrderAndUndoesInReverseEvenWhenOneThrows() {
    dispatcher =
        h.dispatcher(ATTEMPT_TIMEOUT)
            .attemptObserver(
                AttemptObserver.composite(
                    List.of(observer("a", ""), observer("b", "send"), observer("c", "sent"))))
            .build();
    Event e = deliverOne();
    assertEquals(DeliveryState.SUCCEEDED, h.only(e.id()).state());
    assertEquals(
        List.of(
            "a.before",
            "b.before",
            "c.before",
            "a.send:0",
            "b.send:0",
            "c.send:0",
            "c.sent:1",
            "a.sent:1",
            "c.after:SUCCEEDED",
            "b.after:SUCCEEDED",
            "a.after:SUCCEEDED"),
        seen);
  }

  @Test
  void aScopeThatThrowsBeforeSendingOrAfterStillHasTheAttemptMadeAndRecorded() {
    dispatcher = h.dispatcher(ATTEMPT_TIMEOUT).attemptObserver(observer("a", "send")).build();
    Event e = deliverOne();
    assertEquals(DeliveryState.SUCCEEDED, h.only(e.id()).state());
    assertEquals(List.of("a.before", "a.send:0", "a.after:SUCCEEDED"), seen);

    dispatcher.close();
    seen.clear();
    dispatcher = h.dispatcher(ATTEMPT_TIMEOUT).attemptObserver(observer("a", "sent")).build();
    Event e2 = deliverOne();
    assertEquals(DeliveryState.SUCCEEDED, h.only(e2.id()).state());
    assertEquals(List.of("a.before", "a.send:1", "a.sent:2", "a.after:SUCCEEDED"), seen);
  }

  @Test
  void aScopeReturningNullIsLoggedAsAFailingObserverAndTheAttemptGoesOn() {
    PrintStream originalErr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      dispatcher =
          h.dispatcher(ATTEMPT_TIMEOUT)
              .attemptObserver(
                  request ->
                      new AttemptObserver.Scope() {
                        @Override
                        public void afterAttempt(AttemptResult result) {
                          seen.add("after:" + result.outcome());
                        }

                        @Override
                        @SuppressWarnings("NullAway") // the bug under test
                        public Runnable beforeSend() {
                          seen.add("send");
                          return null;
                        }
                      })
              .build();
      Event e = deliverOne();
      assertEquals(DeliveryState.SUCCEEDED, h.only(e.id()).state());
    } finally {
      System.setErr(originalErr);
    }
    assertEquals(List.of("send", "after:SUCCEEDED"), seen);
    assertTrue(
        captured
            .toString(StandardCharsets.UTF_8)
            .lines()
            .anyMatch(l -> l.contains("attempt observer failed") && l.contains("WARN")),
        captured.toString(StandardCharsets.UTF_8));
    assertTrue(captured.toString(StandardCharsets.UTF_8).contains("beforeSend returned null"));
  }

  @Test
  void aScopeWithoutItIsUnchanged() {
    // A lambda scope: the default beforeSend does nothing.
    dispatcher =
        h.dispatcher(ATTEMPT_TIMEOUT)
            .attemptObserver(
                request -> {
                  seen.add("before");
                  return result -> seen.add("after:" + result.outcome());
                })
            .build();
    Event e = deliverOne();
    assertEquals(DeliveryState.SUCCEEDED, h.only(e.id()).state());
    assertEquals(List.of("before", "after:SUCCEEDED"), seen);
  }
}
