package dev.hookline.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryState;
import dev.hookline.ErrorKind;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookFormat;
import dev.hookline.WebhookStatus;
import dev.hookline.delivery.spi.NotificationFormat;
import dev.hookline.delivery.spi.RenderedNotification;
import dev.hookline.testing.TestWebhooks;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A fault on the sending side (here a {@link NotificationFormat} that throws) fails the attempt as
 * {@link ErrorKind#INTERNAL} and retries on the schedule, but is not held against the endpoint: its
 * circuit breaker stays closed and its failure clock never starts, so it is never disabled for it.
 */
class LocalFaultHealthTest {
  private final Harness h = new Harness();
  private final AtomicBoolean broken = new AtomicBoolean(true);
  private WireMockServer server;

  private final NotificationFormat flaky =
      new NotificationFormat() {
        @Override
        public WebhookFormat format() {
          return WebhookFormat.SECURITY_EVENT_TOKEN;
        }

        @Override
        public RenderedNotification render(Event event, Webhook webhook, Instant now) {
          if (broken.get()) {
            throw new IllegalStateException("signing key not loaded");
          }
          return RenderedNotification.of("text/plain", event.id().getBytes(StandardCharsets.UTF_8));
        }
      };

  @BeforeEach
  void startServer() {
    server = Harness.wireMock();
    server.stubFor(post(urlEqualTo("/set")).willReturn(aResponse().withStatus(202)));
  }

  @AfterEach
  void stopServer() {
    server.stop();
  }

  private Webhook setWebhook() {
    Webhook w =
        h.registry.create(
            WebhookDefinition.builder()
                .name("set")
                .uri(server.baseUrl() + "/set")
                .apiKey(Harness.API_KEY)
                .events(UserEvents.CREATED)
                .format(WebhookFormat.SECURITY_EVENT_TOKEN)
                .build());
    TestWebhooks.markVerified(h.registry, w.id());
    return h.registry.enable(w.id());
  }

  @Test
  void renderingFailuresDoNotOpenTheEndpointsCircuitBreaker() {
    CircuitBreakerPolicy tight =
        CircuitBreakerPolicy.builder()
            .window(2)
            .minimumAttempts(2)
            .failureRate(0.5)
            .coolDown(Duration.ofHours(1))
            .build();
    try (Dispatcher dispatcher =
        h.dispatcher(Duration.ofSeconds(2))
            .notificationFormat(flaky)
            .circuitBreaker(tight)
            .retrySchedule(
                RetrySchedule.builder()
                    .attemptTimeout(Duration.ofSeconds(2))
                    .delays(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1))
                    .build())
            .build()) {
      Webhook w = setWebhook();
      Event e = h.event(UserEvents.CREATED);
      dispatcher.publish(e);
      for (int i = 0; i < 3; i++) {
        assertEquals(1, dispatcher.runDueNow(), "attempt " + (i + 1));
        h.clock.advance(Duration.ofSeconds(2));
      }
      Delivery d = h.only(e.id());
      assertEquals(3, d.attempts().size());
      for (Attempt a : d.attempts()) {
        assertEquals(Optional.of(ErrorKind.INTERNAL), a.error(), a.toString());
      }
      assertEquals(0, dispatcher.openCircuitBreakers(), "a local fault opened the breaker");

      // The sender is fixed: the endpoint, never at fault, gets the delivery at once.
      broken.set(false);
      assertEquals(1, dispatcher.runDueNow());
      assertEquals(DeliveryState.SUCCEEDED, h.only(e.id()).state());
      assertEquals(1, server.findAll(postRequestedFor(urlEqualTo("/set"))).size());
      assertEquals(WebhookStatus.VERIFIED, h.registry.require(w.id()).status());
    }
  }

  @Test
  void renderingFailuresNeverStartTheFailureClockNorDisableTheWebhook() {
    try (Dispatcher dispatcher =
        h.dispatcher(Duration.ofSeconds(2))
            .notificationFormat(flaky)
            .disableAfter(Duration.ofMinutes(1))
            .retrySchedule(
                RetrySchedule.builder()
                    .attemptTimeout(Duration.ofSeconds(2))
                    .delays(
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(60),
                        Duration.ofSeconds(60))
                    .build())
            .build()) {
      Webhook w = setWebhook();
      Event e = h.event(UserEvents.CREATED);
      dispatcher.publish(e);
      Duration[] waits = {
        Duration.ofSeconds(2),
        Duration.ofSeconds(15),
        Duration.ofSeconds(70),
        Duration.ofSeconds(70)
      };
      for (Duration wait : waits) {
        assertEquals(1, dispatcher.runDueNow());
        h.clock.advance(wait);
      }
      assertEquals(1, dispatcher.runDueNow()); // the fifth and last: the delivery fails
      Delivery d = h.only(e.id());
      assertEquals(DeliveryState.FAILED, d.state(), "still fails on its schedule");
      assertEquals(5, d.attempts().size());
      assertTrue(
          d.attempts().stream().allMatch(a -> a.error().equals(Optional.of(ErrorKind.INTERNAL))),
          d.attempts().toString());
      assertEquals(
          WebhookStatus.VERIFIED,
          h.registry.require(w.id()).status(),
          "disabled for a fault of the sender's");
      assertEquals(Optional.empty(), h.store.endpointFailingSince(w.id()));
      assertEquals(0, server.findAll(postRequestedFor(urlEqualTo("/set"))).size());
    }
  }
}
