package dev.hookline.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryState;
import dev.hookline.ErrorKind;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every endpoint behaviour of the fault matrix, each checked in the outcome and the attempt. */
class DeliveryOutcomeTest {
  /**
   * Normal deadline: answers arrive in milliseconds after the warm-up, and no assertion depends on
   * it, so it is generous enough that a loaded machine never cuts an attempt meant to be answered.
   */
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /**
   * Deadline of the timeout tests, and how late past it an attempt may end on a busy machine: five
   * times the deadline (an attempt ends about 50 ms past it unloaded), and still well short of the
   * 10 s the endpoints there take, so an attempt that was not cut still fails.
   */
  private static final Duration SHORT_TIMEOUT = Duration.ofMillis(500);

  private static final long MARGIN_MS = 5 * SHORT_TIMEOUT.toMillis();

  private static WireMockServer server;
  private final ObjectMapper json = new ObjectMapper();
  private Harness h;
  private Dispatcher dispatcher;
  private final List<String> events = new CopyOnWriteArrayList<>();

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
    dispatcher = build(TIMEOUT);
  }

  @AfterEach
  void tearDown() {
    dispatcher.close();
  }

  private Dispatcher build(Duration timeout) {
    return h.dispatcher(timeout)
        .listener(
            new DeliveryListener() {
              @Override
              public void attemptSucceeded(Delivery delivery, Attempt attempt) {
                events.add("succeeded:" + delivery.id());
              }

              @Override
              public void attemptFailed(
                  Delivery delivery, Attempt attempt, Optional<Instant> nextAttemptAt) {
                events.add("failed:" + delivery.id() + ":" + nextAttemptAt.isPresent());
              }

              @Override
              public void deliveryFailed(Delivery delivery, Attempt lastAttempt) {
                events.add("deliveryFailed:" + delivery.id());
              }

              @Override
              public void webhookDisabled(String webhookId, String reason) {
                events.add("disabled:" + webhookId);
              }
            })
        .build();
  }

  private Webhook hook(String path) {
    return h.receiving(server.baseUrl() + path, null, UserEvents.CREATED);
  }

  /** Publishes one event to the webhook, runs the due attempts, and returns the delivery. */
  private Delivery deliverOnce(Webhook w) {
    Event e = h.event(UserEvents.CREATED);
    PublishResult r = dispatcher.publish(e);
    assertEquals(List.of(w.id()), r.webhookIds());
    assertEquals(1, dispatcher.runDueNow());
    return h.only(e.id());
  }

  @Test
  void status200SucceedsAndSendsASignedStandardWebhooksRequest() throws Exception {
    server.stubFor(
        post(urlEqualTo("/ok")).willReturn(aResponse().withStatus(200).withBody("thanks")));
    Webhook w = hook("/ok");
    Delivery d = deliverOnce(w);

    assertEquals(DeliveryState.SUCCEEDED, d.state());
    Attempt a = d.attempts().get(0);
    assertEquals(1, a.number());
    assertEquals(200, a.statusCode().getAsInt());
    assertEquals("thanks", a.responseBody());
    assertEquals(h.clock.instant(), a.startedAt());
    assertEquals(List.of("succeeded:" + d.id()), events);

    List<LoggedRequest> requests = server.findAll(postRequestedFor(urlEqualTo("/ok")));
    assertEquals(1, requests.size());
    LoggedRequest r = requests.get(0);
    assertEquals("application/json", r.getHeader("Content-Type"));
    assertEquals("Bearer " + Harness.API_KEY, r.getHeader("Authorization"));
    assertEquals(d.event().id(), r.getHeader("webhook-id"));
    long ts = h.clock.instant().getEpochSecond();
    assertEquals(Long.toString(ts), r.getHeader("webhook-timestamp"));
    assertTrue(r.getHeader("User-Agent").startsWith("Hookline/"), r.getHeader("User-Agent"));
    byte[] body = r.getBody();
    String expected =
        WebhookSigner.sign(w.signingSecrets().get(0).secret(), d.event().id(), ts, body);
    assertEquals(expected, r.getHeader("webhook-signature"));

    JsonNode sent = json.readTree(new String(body, StandardCharsets.UTF_8));
    assertEquals(List.of("id", "type", "timestamp", "subject", "data"), fieldNames(sent));
    assertEquals(d.event().subject().userId(), sent.get("subject").get("user_id").asText());
    assertEquals(d.event().id(), sent.get("id").asText());
    assertEquals("user.created", sent.get("type").asText());
    assertEquals("2026-11-22T10:00:00.000Z", sent.get("timestamp").asText());
    assertEquals(d.event().data(), sent.get("data"));
  }

  @Test
  void rotatedSecretsBothSign() {
    server.stubFor(post(urlEqualTo("/rot")).willReturn(aResponse().withStatus(204)));
    Webhook w = hook("/rot");
    Webhook rotated = h.registry.rotateSigningSecret(w.id(), Duration.ofHours(1));
    Delivery d = deliverOnce(w);
    assertEquals(DeliveryState.SUCCEEDED, d.state());
    LoggedRequest r = server.findAll(postRequestedFor(urlEqualTo("/rot"))).get(0);
    long ts = h.clock.instant().getEpochSecond();
    String header = r.getHeader("webhook-signature");
    String[] parts = header.split(" ", -1);
    assertEquals(2, parts.length, header);
    for (int i = 0; i < 2; i++) {
      assertEquals(
          WebhookSigner.sign(
              rotated.signingSecrets().get(i).secret(), d.event().id(), ts, r.getBody()),
          parts[i]);
    }
  }

  @Test
  void status500IsRetriedOnTheSchedule() {
    server.stubFor(
        post(urlEqualTo("/500")).willReturn(aResponse().withStatus(500).withBody("oops")));
    Delivery d = deliverOnce(hook("/500"));
    assertEquals(DeliveryState.RETRYING, d.state());
    Attempt a = d.attempts().get(0);
    assertEquals(500, a.statusCode().getAsInt());
    assertEquals("oops", a.responseBody());
    assertEquals(Optional.of(h.clock.instant().plusSeconds(3)), d.nextAttemptAt());
    assertEquals(List.of("failed:" + d.id() + ":true"), events);
  }

  @Test
  void status503HonoursRetryAfterSeconds() {
    server.stubFor(
        post(urlEqualTo("/503"))
            .willReturn(aResponse().withStatus(503).withHeader("Retry-After", "120")));
    Delivery d = deliverOnce(hook("/503"));
    assertEquals(DeliveryState.RETRYING, d.state());
    assertEquals(503, d.attempts().get(0).statusCode().getAsInt());
    assertEquals(Optional.of(h.clock.instant().plusSeconds(120)), d.nextAttemptAt());
  }

  @Test
  void status429HonoursRetryAfterDateBoundedByTheLargestDelay() {
    server.stubFor(
        post(urlEqualTo("/429"))
            .willReturn(
                aResponse()
                    .withStatus(429)
                    .withHeader("Retry-After", "Fri, 01 Jan 2027 00:00:00 GMT")));
    Delivery d = deliverOnce(hook("/429"));
    assertEquals(DeliveryState.RETRYING, d.state());
    assertEquals(429, d.attempts().get(0).statusCode().getAsInt());
    assertEquals(Optional.of(h.clock.instant().plus(Duration.ofHours(24))), d.nextAttemptAt());
  }

  @Test
  void status429WithoutRetryAfterUsesTheSchedule() {
    server.stubFor(post(urlEqualTo("/429b")).willReturn(aResponse().withStatus(429)));
    Delivery d = deliverOnce(hook("/429b"));
    assertEquals(Optional.of(h.clock.instant().plusSeconds(3)), d.nextAttemptAt());
  }

  @Test
  void status410DisablesTheWebhookAndFailsTheDeliveryButKeepsOthersQueued() {
    server.stubFor(post(urlEqualTo("/gone")).willReturn(aResponse().withStatus(410)));
    dispatcher.close();
    dispatcher = h.dispatcher(TIMEOUT).perEndpointConcurrency(1).listener(recorder()).build();
    Webhook w = hook("/gone");
    Event first = h.event(UserEvents.CREATED);
    Event second = h.event(UserEvents.CREATED);
    dispatcher.publish(List.of(first, second));
    dispatcher.runDueNow();

    server.verify(1, postRequestedFor(urlEqualTo("/gone")));
    Webhook now = h.registry.require(w.id());
    assertEquals(WebhookStatus.DISABLED_BY_FAILURE, now.status());
    assertFalse(now.enabled());
    assertEquals(
        Optional.of("endpoint answered 410 Gone at " + h.clock.instant()), now.statusReason());
    Delivery gone = h.only(first.id());
    Delivery queued = h.only(second.id());
    if (queued.attempts().size() == 1) { // the claim order is the Store's
      Delivery t = gone;
      gone = queued;
      queued = t;
    }
    assertEquals(DeliveryState.FAILED, gone.state());
    assertEquals(410, gone.attempts().get(0).statusCode().getAsInt());
    assertEquals(DeliveryState.PENDING, queued.state());
    assertEquals(0, queued.attemptCount());
    assertTrue(events.contains("disabled:" + w.id()), events.toString());
    assertTrue(events.contains("deliveryFailed:" + gone.id()), events.toString());

    // Re-enabled, the queued delivery goes out.
    server.stubFor(post(urlEqualTo("/gone")).willReturn(aResponse().withStatus(200)));
    h.registry.enable(w.id());
    assertEquals(1, dispatcher.runDueNow());
    assertEquals(DeliveryState.SUCCEEDED, h.reload(queued).state());
  }

  private DeliveryListener recorder() {
    return new DeliveryListener() {
      @Override
      public void deliveryFailed(Delivery delivery, Attempt lastAttempt) {
        events.add("deliveryFailed:" + delivery.id());
      }

      @Override
      public void webhookDisabled(String webhookId, String reason) {
        events.add("disabled:" + webhookId);
      }
    };
  }

  @Test
  void status301IsAFailureAndTheRedirectIsNotFollowed() {
    server.stubFor(
        post(urlEqualTo("/moved"))
            .willReturn(aResponse().withStatus(301).withHeader("Location", "/elsewhere")));
    server.stubFor(post(urlEqualTo("/elsewhere")).willReturn(aResponse().withStatus(200)));
    Delivery d = deliverOnce(hook("/moved"));
    assertEquals(DeliveryState.RETRYING, d.state());
    assertEquals(301, d.attempts().get(0).statusCode().getAsInt());
    server.verify(0, postRequestedFor(urlEqualTo("/elsewhere")));
  }

  @Test
  void aResponseDelayedPastTheDeadlineTimesOut() {
    dispatcher.close();
    dispatcher = build(SHORT_TIMEOUT);
    server.stubFor(
        post(urlEqualTo("/slow")).willReturn(aResponse().withStatus(200).withFixedDelay(10_000)));
    Delivery d = deliverOnce(hook("/slow"));
    assertTimedOut(d);
  }

  @Test
  void aBodyDribbledPastTheDeadlineIsCutWithinTheDeadlinePlusAMarginAndItsStatusCounts() {
    dispatcher.close();
    dispatcher = build(SHORT_TIMEOUT);
    server.stubFor(
        post(urlEqualTo("/dribble"))
            .willReturn(
                aResponse()
                    .withStatus(200)
                    .withBody("z".repeat(100))
                    .withChunkedDribbleDelay(100, 10_000)));
    long start = System.nanoTime();
    Delivery d = deliverOnce(hook("/dribble"));
    long wallMs = (System.nanoTime() - start) / 1_000_000;
    // The 200 came before the body stalled: the endpoint accepted the notification.
    Attempt a = d.attempts().get(0);
    assertEquals(DeliveryState.SUCCEEDED, d.state(), a.toString());
    assertEquals(200, a.statusCode().getAsInt());
    assertTrue(a.detail().contains("body too slow"), a.detail());
    assertTrue(a.duration().compareTo(SHORT_TIMEOUT) >= 0, a.duration().toString());
    assertTrue(wallMs < SHORT_TIMEOUT.toMillis() + MARGIN_MS, "took " + wallMs + " ms");
  }

  private void assertTimedOut(Delivery d) {
    assertEquals(DeliveryState.RETRYING, d.state());
    Attempt a = d.attempts().get(0);
    assertEquals(Optional.of(ErrorKind.TIMEOUT), a.error(), a.detail());
    assertTrue(a.statusCode().isEmpty());
    assertTrue(a.duration().compareTo(SHORT_TIMEOUT) >= 0, a.duration().toString());
    assertTrue(
        a.duration().toMillis() < SHORT_TIMEOUT.toMillis() + MARGIN_MS, a.duration().toString());
  }

  @ParameterizedTest
  @CsvSource({
    "CONNECTION_RESET_BY_PEER, CONNECTION_RESET",
    "EMPTY_RESPONSE, CONNECTION_RESET",
    "MALFORMED_RESPONSE_CHUNK, MALFORMED_RESPONSE",
    "RANDOM_DATA_THEN_CLOSE, MALFORMED_RESPONSE"
  })
  void networkFaultsAreRecordedAndRetried(Fault fault, ErrorKind expected) {
    server.stubFor(post(urlEqualTo("/fault")).willReturn(aResponse().withFault(fault)));
    Delivery d = deliverOnce(hook("/fault"));
    assertEquals(DeliveryState.RETRYING, d.state());
    Attempt a = d.attempts().get(0);
    assertEquals(Optional.of(expected), a.error(), a.detail());
    assertFalse(a.detail().isBlank());
    assertEquals(Optional.of(h.clock.instant().plusSeconds(3)), d.nextAttemptAt());
  }

  @Test
  void connectionRefusedIsAConnectFailure() {
    Webhook w =
        h.receiving("http://127.0.0.1:" + Harness.closedPort() + "/x", null, UserEvents.CREATED);
    Delivery d = deliverOnce(w);
    assertEquals(DeliveryState.RETRYING, d.state());
    assertEquals(Optional.of(ErrorKind.CONNECT_FAILED), d.attempts().get(0).error());
  }

  @Test
  void aTenMegabyteResponseIsReadOnlyUpToTheBound() {
    // WireMock takes a while to start answering with a 10 MB body (over 2 s on a loaded 2-core
    // machine, where every run of this test timed out: RETRYING): the bound on what is read is
    // the point here, not the attempt timeout.
    dispatcher.close();
    dispatcher = build(Duration.ofSeconds(20));
    byte[] huge = new byte[10 * 1024 * 1024];
    java.util.Arrays.fill(huge, (byte) 'a');
    server.stubFor(
        post(urlEqualTo("/huge")).willReturn(aResponse().withStatus(200).withBody(huge)));
    Delivery d = deliverOnce(hook("/huge"));
    assertEquals(DeliveryState.SUCCEEDED, d.state());
    Attempt a = d.attempts().get(0);
    assertEquals(200, a.statusCode().getAsInt());
    assertEquals(Attempt.MAX_BODY_CHARS, a.responseBody().length());
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new java.util.ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
