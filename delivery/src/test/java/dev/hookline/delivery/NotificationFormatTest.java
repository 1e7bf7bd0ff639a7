package dev.hookline.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryState;
import dev.hookline.ErrorKind;
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
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A format other than Standard Webhooks is written by the dispatcher's {@link NotificationFormat}:
 * its body, content type and headers go out with the API key; its error code reaches the attempt; a
 * webhook in a format the dispatcher lacks is refused before its handshake and never sent.
 */
class NotificationFormatTest {
  private static WireMockServer server;
  private Harness h;
  private Dispatcher dispatcher;

  /** A stand-in for the SET format: the event id as the body, one header, RFC 8935 errors. */
  private static final NotificationFormat PLAIN =
      new NotificationFormat() {
        @Override
        public WebhookFormat format() {
          return WebhookFormat.SECURITY_EVENT_TOKEN;
        }

        @Override
        public RenderedNotification render(Event event, Webhook webhook, Instant now) {
          return RenderedNotification.of(
                  "application/secevent+jwt", event.id().getBytes(StandardCharsets.UTF_8))
              .withHeader("X-Rendered-At", Long.toString(now.getEpochSecond()));
        }

        @Override
        public Optional<String> errorCode(int status, String body) {
          Matcher m = Pattern.compile("\"err\"\\s*:\\s*\"([^\"]*)\"").matcher(body);
          return m.find() ? Optional.of(m.group(1)) : Optional.empty();
        }
      };

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

  private Webhook setWebhook(String path) {
    Webhook w =
        h.registry.create(
            WebhookDefinition.builder()
                .name("set")
                .uri(server.baseUrl() + path)
                .apiKey(Harness.API_KEY)
                .events(UserEvents.CREATED)
                .format(WebhookFormat.SECURITY_EVENT_TOKEN)
                .build());
    TestWebhooks.markVerified(h.registry, w.id());
    return h.registry.enable(w.id());
  }

  private Delivery deliverOnce() {
    Event e = h.event(UserEvents.CREATED);
    dispatcher.publish(e);
    assertEquals(1, dispatcher.runDueNow());
    return h.only(e.id());
  }

  @Test
  void theFormatWritesTheRequestAndTheApiKeyStillGoesAsBearer() {
    server.stubFor(post(urlEqualTo("/set")).willReturn(aResponse().withStatus(202)));
    dispatcher = h.dispatcher(Duration.ofSeconds(2)).notificationFormat(PLAIN).build();
    setWebhook("/set");
    Delivery d = deliverOnce();

    assertEquals(DeliveryState.SUCCEEDED, d.state(), "any 2xx, here RFC 8935's 202");
    List<LoggedRequest> requests = server.findAll(postRequestedFor(urlEqualTo("/set")));
    assertEquals(1, requests.size());
    LoggedRequest r = requests.get(0);
    assertEquals("application/secevent+jwt", r.getHeader("Content-Type"));
    assertEquals("Bearer " + Harness.API_KEY, r.getHeader("Authorization"));
    assertEquals(Long.toString(h.clock.instant().getEpochSecond()), r.getHeader("X-Rendered-At"));
    assertFalse(r.containsHeader("webhook-signature"), "no Standard Webhooks signature");
    assertEquals(d.event().id(), new String(r.getBody(), StandardCharsets.UTF_8));
  }

  @Test
  void anObserversHeadersGoOutWithAFormattedNotificationButNeverReplaceTheFormats() {
    server.stubFor(post(urlEqualTo("/traced")).willReturn(aResponse().withStatus(202)));
    AttemptObserver tracing =
        request -> {
          request.header("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
          request.header("X-Rendered-At", "the observer's"); // the format sets this one
          return AttemptObserver.Scope.none();
        };
    dispatcher =
        h.dispatcher(Duration.ofSeconds(2))
            .notificationFormat(PLAIN)
            .attemptObserver(tracing)
            .build();
    setWebhook("/traced");
    Delivery d = deliverOnce();

    assertEquals(DeliveryState.SUCCEEDED, d.state());
    LoggedRequest r = server.findAll(postRequestedFor(urlEqualTo("/traced"))).get(0);
    assertEquals(
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", r.getHeader("traceparent"));
    assertEquals(
        List.of(Long.toString(h.clock.instant().getEpochSecond())),
        r.header("X-Rendered-At").values(),
        "the format's value alone");
  }

  @Test
  void anRfc8935ErrorIsRecordedWithItsCode() {
    server.stubFor(
        post(urlEqualTo("/bad"))
            .willReturn(
                aResponse()
                    .withStatus(400)
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"err\":\"invalid_audience\",\"description\":\"not for us\"}")));
    dispatcher = h.dispatcher(Duration.ofSeconds(2)).notificationFormat(PLAIN).build();
    setWebhook("/bad");
    Delivery d = deliverOnce();

    Attempt a = d.attempts().get(0);
    assertEquals(400, a.statusCode().getAsInt());
    assertEquals("HTTP 400 err=invalid_audience", a.detail());
    assertEquals(DeliveryState.RETRYING, d.state());
  }

  @Test
  void aDispatcherWithoutTheFormatRefusesTheHandshakeAndFailsTheAttemptSayingWhy() {
    dispatcher = h.dispatcher(Duration.ofSeconds(2)).build();
    Webhook w =
        h.registry.create(
            WebhookDefinition.builder()
                .name("set")
                .uri(server.baseUrl() + "/never")
                .apiKey(Harness.API_KEY)
                .events(UserEvents.CREATED)
                .format(WebhookFormat.SECURITY_EVENT_TOKEN)
                .build());
    FormatUnavailableException refused =
        assertThrows(FormatUnavailableException.class, () -> dispatcher.startVerification(w.id()));
    assertEquals(WebhookFormat.SECURITY_EVENT_TOKEN, refused.format());
    assertTrue(refused.getMessage().contains("notificationFormat"), refused.getMessage());
    assertTrue(refused.getMessage().contains("hookline-set"), refused.getMessage());

    // Verified some other way (another instance with the format, or before a configuration
    // change): each attempt fails as an internal error naming the missing format, nothing is sent.
    TestWebhooks.markVerified(h.registry, w.id());
    h.registry.enable(w.id());
    assertThrows(FormatUnavailableException.class, () -> dispatcher.sendTest(w.id()));
    Delivery d = deliverOnce();
    Attempt a = d.attempts().get(0);
    assertEquals(Optional.of(ErrorKind.INTERNAL), a.error());
    assertTrue(a.detail().contains("SECURITY_EVENT_TOKEN"), a.detail());
    assertEquals(0, server.findAll(postRequestedFor(urlEqualTo("/never"))).size());
  }

  @Test
  void theBuiltInFormatCannotBeReplacedAndReservedHeadersAreRefused() {
    NotificationFormat standard =
        new NotificationFormat() {
          @Override
          public WebhookFormat format() {
            return WebhookFormat.STANDARD_WEBHOOKS;
          }

          @Override
          public RenderedNotification render(Event event, Webhook webhook, Instant now) {
            return RenderedNotification.of("text/plain", new byte[0]);
          }
        };
    assertThrows(
        IllegalArgumentException.class, () -> Dispatcher.builder().notificationFormat(standard));
    RenderedNotification r = RenderedNotification.of("text/plain", new byte[] {1, 2});
    for (String reserved : List.of("Authorization", "content-type", "User-Agent", "Host")) {
      assertThrows(IllegalArgumentException.class, () -> r.withHeader(reserved, "x"), reserved);
    }
    assertEquals(
        "RenderedNotification[contentType=text/plain, bodyBytes=2, headers=[]]", r.toString());
  }
}
