package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookStatus;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A worker whose lease expired while its request was out does not report the delivery's outcome:
 * another worker owns the delivery now, and only the record the Store accepted is told.
 */
class LostLeaseTest {
  private static final Duration LEASE = Duration.ofSeconds(30);

  private final Harness h = new Harness();
  private final List<String> told = new CopyOnWriteArrayList<>();
  private final List<List<ClaimedDelivery>> takenOver = new CopyOnWriteArrayList<>();
  private HttpServer endpoint;
  private Dispatcher dispatcher;

  @BeforeEach
  void setUp() throws Exception {
    endpoint = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    endpoint.start();
    dispatcher =
        h.dispatcher(Duration.ofSeconds(5))
            .leaseDuration(LEASE)
            .listener(
                new DeliveryListener() {
                  @Override
                  public void attemptSucceeded(Delivery delivery, Attempt attempt) {
                    told.add("attemptSucceeded");
                  }

                  @Override
                  public void attemptFailed(
                      Delivery delivery, Attempt attempt, Optional<Instant> nextAttemptAt) {
                    told.add("attemptFailed");
                  }

                  @Override
                  public void deliveryFailed(Delivery delivery, Attempt lastAttempt) {
                    told.add("deliveryFailed");
                  }

                  @Override
                  public void webhookDisabled(String webhookId, String reason) {
                    told.add("webhookDisabled");
                  }
                })
            .build();
  }

  @AfterEach
  void tearDown() {
    dispatcher.close();
    endpoint.stop(0);
  }

  /**
   * The endpoint answers so late that the lease has expired and another worker has claimed the
   * delivery meanwhile.
   */
  private Webhook answeringLate(int status) {
    endpoint.createContext(
        "/late",
        x -> {
          x.getRequestBody().readAllBytes();
          h.clock.advance(LEASE.plusSeconds(1));
          takenOver.add(
              h.store.claim(ClaimRequest.of("other-worker", h.clock.instant(), LEASE, 10)));
          x.sendResponseHeaders(status, -1);
          x.close();
        });
    return h.receiving(
        "http://127.0.0.1:" + endpoint.getAddress().getPort() + "/late", null, UserEvents.CREATED);
  }

  @Test
  void a410AfterTheLeaseWasLostDisablesTheWebhookButTellsNoDeliveryOutcome() {
    Webhook w = answeringLate(410);
    Event e = h.event(UserEvents.CREATED);
    dispatcher.publish(e);

    assertEquals(1, dispatcher.runDueNow());

    assertEquals(1, takenOver.get(0).size(), "the other worker took the delivery over");
    Delivery d = h.only(e.id());
    assertEquals(DeliveryState.IN_FLIGHT, d.state(), "the other worker's lease stands");
    assertTrue(d.attempts().isEmpty(), "the late worker's record was refused");
    assertEquals(WebhookStatus.DISABLED_BY_FAILURE, h.registry.require(w.id()).status());
    assertEquals(List.of("webhookDisabled"), told);
  }

  @Test
  void aSuccessAfterTheLeaseWasLostIsNotTold() {
    answeringLate(204);
    Event e = h.event(UserEvents.CREATED);
    dispatcher.publish(e);

    assertEquals(1, dispatcher.runDueNow());

    assertEquals(1, takenOver.get(0).size());
    assertEquals(DeliveryState.IN_FLIGHT, h.only(e.id()).state());
    assertEquals(List.of(), told);
  }

  @Test
  void aFailureAfterTheLeaseWasLostIsNotTold() {
    answeringLate(500);
    Event e = h.event(UserEvents.CREATED);
    dispatcher.publish(e);

    assertEquals(1, dispatcher.runDueNow());

    assertEquals(1, takenOver.get(0).size());
    assertEquals(DeliveryState.IN_FLIGHT, h.only(e.id()).state());
    assertEquals(List.of(), told);
  }
}
