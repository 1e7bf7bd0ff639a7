package dev.hookline.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.hookline.Delivery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookFormat;
import dev.hookline.delivery.spi.NotificationFormat;
import dev.hookline.delivery.spi.RenderedNotification;
import dev.hookline.testing.TestWebhooks;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * An {@code Error} thrown by user code on the attempt path (here a {@link NotificationFormat} that
 * hits a {@code NoClassDefFoundError}, the kind a mismatched JOSE library throws) must not strand
 * the endpoint: if the attempt was the half-open breaker's one probe, the probe must be given back,
 * or the breaker stays half-open with its probe "out" and the webhook is left out of every claim
 * for good.
 */
class ProbeErrorTest {
  private final Harness h = new Harness();

  private enum Mode {
    ERROR,
    OK
  }

  private final AtomicReference<Mode> mode = new AtomicReference<>(Mode.OK);

  private final NotificationFormat format =
      new NotificationFormat() {
        @Override
        public WebhookFormat format() {
          return WebhookFormat.SECURITY_EVENT_TOKEN;
        }

        @Override
        public RenderedNotification render(Event event, Webhook webhook, Instant now) {
          return switch (mode.get()) {
            case ERROR -> throw new NoClassDefFoundError("com/example/jose/Signer (simulated)");
            case OK ->
                RenderedNotification.of(
                    "application/secevent+jwt", event.id().getBytes(StandardCharsets.UTF_8));
          };
        }
      };

  @Test
  void anErrorDuringTheHalfOpenProbeGivesTheProbeBack() throws Exception {
    WireMockServer server = Harness.wireMock();
    // The endpoint fails first: a fault of the format's (a RuntimeException from render) is not
    // held against the endpoint, so only the endpoint's own failure opens its breaker.
    server.stubFor(post(urlEqualTo("/set")).willReturn(aResponse().withStatus(500)));
    try (Dispatcher d =
        h.dispatcher(Duration.ofSeconds(2))
            .notificationFormat(format)
            .circuitBreaker(
                CircuitBreakerPolicy.builder()
                    .window(1)
                    .minimumAttempts(1)
                    .failureRate(1.0)
                    .coolDown(Duration.ofMinutes(1))
                    .build())
            .build()) {
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
      h.registry.enable(w.id());
      Event e = h.event(UserEvents.CREATED);
      d.publish(e);

      // One failed attempt opens the breaker.
      assertEquals(1, d.runDueNow());
      assertEquals(1, d.openCircuitBreakers());

      // After the cool-down the probe goes out, and the format throws an Error.
      mode.set(Mode.ERROR);
      h.clock.advance(Duration.ofMinutes(1).plusSeconds(1));
      d.runDueNow();

      // Everything works again. Long enough later for any lease or back-off to be over, the
      // delivery must go out.
      mode.set(Mode.OK);
      server.stubFor(post(urlEqualTo("/set")).willReturn(aResponse().withStatus(202)));
      h.clock.advance(Duration.ofMinutes(10));
      d.runDueNow();
      Delivery delivery = h.only(e.id());
      assertEquals(DeliveryState.SUCCEEDED, delivery.state(), delivery.toString());
      assertEquals(2, server.findAll(postRequestedFor(urlEqualTo("/set"))).size());
      assertEquals(0, d.openCircuitBreakers());
    } finally {
      server.stop();
    }
  }
}
