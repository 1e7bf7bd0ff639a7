package dev.hookline.micrometer;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.hookline.Event;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.CircuitBreakerPolicy;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.RetrySchedule;
import dev.hookline.filter.Filters;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.TestWebhooks;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The meters over real HTTP (WireMock on loopback): exact timers and counters for success,
 * 500-then-success, timeout, 410 and exhausted retries; no high-cardinality tag by default.
 */
class HooklineObservationsTest {
  private static final String API_KEY = "test-api-key-0123456789";
  private static final AtomicInteger EVENTS = new AtomicInteger();
  private static final String TIMER = "hookline.delivery.attempts";

  private static WireMockServer server;
  private final ManualClock clock = ManualClock.at(Instant.parse("2026-11-22T10:00:00Z"));
  private final InMemoryStore store = new InMemoryStore();
  private final WebhookRegistry registry =
      WebhookRegistry.builder()
          .store(store)
          .clock(clock)
          .filterCompiler(Filters.compiler())
          .allowInsecureLoopbackForDevelopment(true)
          .build();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final TestObservationRegistry observations = TestObservationRegistry.create();
  private @Nullable Dispatcher dispatcher;

  @BeforeAll
  static void startServer() {
    server = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
    server.start();
    // A cold WireMock answers its first requests slowly: warm it before short deadlines apply.
    server.stubFor(any(urlEqualTo("/warmup")).willReturn(aResponse().withStatus(200)));
    java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
    try {
      for (int i = 0; i < 3; i++) {
        client.send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.baseUrl() + "/warmup"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.discarding());
      }
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @AfterAll
  static void stopServer() {
    server.stop();
  }

  @BeforeEach
  void setUp() {
    server.resetAll();
    observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
  }

  @AfterEach
  void tearDown() {
    if (dispatcher != null) {
      dispatcher.close();
    }
  }

  private Dispatcher dispatcher(HooklineObservations.Builder metrics, RetrySchedule schedule) {
    dispatcher =
        Dispatcher.builder()
            .registry(registry)
            .jitter(() -> 0.5)
            .retrySchedule(schedule)
            .attemptObserver(metrics.build())
            .shutdownTimeout(Duration.ofSeconds(2))
            .build();
    return dispatcher;
  }

  private Dispatcher dispatcher() {
    return dispatcher(
        HooklineObservations.builder(observations, meters).registry(registry),
        RetrySchedule.builder()
            .delays(Duration.ofSeconds(10), Duration.ofSeconds(20))
            .attemptTimeout(Duration.ofSeconds(5))
            .build());
  }

  private Webhook hook(String path, @Nullable String tenant) {
    WebhookDefinition.Builder def =
        WebhookDefinition.builder()
            .name("test " + path)
            .uri(server.baseUrl() + path)
            .apiKey(API_KEY)
            .events(UserEvents.CREATED);
    if (tenant != null) {
      def.tenant(tenant);
    }
    Webhook w = registry.create(def.build());
    TestWebhooks.markVerified(registry, w.id());
    return registry.enable(w.id());
  }

  private Event event(@Nullable String tenant) {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("user_id", "u1");
    Subject subject = Subject.user("u1");
    if (tenant != null) {
      subject = subject.withTenant(tenant);
    }
    return Event.builder(UserEvents.CREATED)
        .id("evt_obs_" + EVENTS.incrementAndGet())
        .occurredAt(clock.instant())
        .subject(subject)
        .data(data)
        .build();
  }

  /** Every meter named {@code hookline.*}, as "name{k=v,...}" → count or value. */
  private Map<String, Double> hooklineMeters() {
    Map<String, Double> out = new TreeMap<>();
    for (Meter m : meters.getMeters()) {
      String name = m.getId().getName();
      if (!name.startsWith("hookline.") || name.endsWith(".active")) {
        continue; // the long-task timer of running attempts is empty between runs
      }
      String tags =
          m.getId().getTags().stream()
              .filter(t -> !t.getKey().equals("error")) // the meter handler's: always "none"
              .map(t -> t.getKey() + "=" + t.getValue())
              .collect(Collectors.joining(","));
      double v = m instanceof Timer t ? t.count() : m.measure().iterator().next().getValue();
      out.put(name + "{" + tags + "}", v);
    }
    return out;
  }

  private static String attempts(String outcome, String status, String errorKind) {
    return TIMER
        + "{error.kind="
        + errorKind
        + ",event.type=user.created,outcome="
        + outcome
        + ",status="
        + status
        + "}";
  }

  @Test
  void aSuccessIsOneTimedAttemptAndOneObservation() {
    server.stubFor(post(urlEqualTo("/ok")).willReturn(aResponse().withStatus(200)));
    Dispatcher d = dispatcher();
    Webhook w = hook("/ok", null);
    Event e = event(null);
    d.publish(e);
    assertEquals(1, d.runDueNow());

    assertEquals(Map.of(attempts("succeeded", "2xx", "none"), 1.0), hooklineMeters());
    String deliveryId =
        store.findDeliveries(dev.hookline.DeliveryQuery.builder().build()).get(0).id();
    assertThat(observations)
        .hasNumberOfObservationsEqualTo(1)
        .hasSingleObservationThat()
        .hasNameEqualTo(TIMER)
        .hasContextualNameEqualTo("POST")
        .hasBeenStarted()
        .hasBeenStopped()
        .hasLowCardinalityKeyValue("outcome", "succeeded")
        .hasLowCardinalityKeyValue("status", "2xx")
        .hasLowCardinalityKeyValue("error.kind", "none")
        .hasLowCardinalityKeyValue("event.type", "user.created")
        .doesNotHaveLowCardinalityKeyValueWithKey("webhook.id")
        .doesNotHaveLowCardinalityKeyValueWithKey("tenant")
        .hasHighCardinalityKeyValue("hookline.delivery.id", deliveryId)
        .hasHighCardinalityKeyValue("hookline.webhook.id", w.id())
        .hasHighCardinalityKeyValue("hookline.attempt.number", "1");
  }

  @Test
  void a500ThenASuccessIsARetryThenASuccess() {
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
    Dispatcher d = dispatcher();
    hook("/flaky", null);
    d.publish(event(null));
    d.runDueNow();
    clock.advance(Duration.ofSeconds(10));
    d.runDueNow();

    assertEquals(
        Map.of(
            attempts("retry_scheduled", "5xx", "none"), 1.0,
            attempts("succeeded", "2xx", "none"), 1.0),
        hooklineMeters());
    assertThat(observations).hasNumberOfObservationsEqualTo(2);
  }

  @Test
  void aTimeoutIsARetryWithoutAStatus() {
    server.stubFor(
        post(urlEqualTo("/slow")).willReturn(aResponse().withStatus(200).withFixedDelay(3000)));
    Dispatcher d =
        dispatcher(
            HooklineObservations.builder(observations, meters),
            RetrySchedule.builder()
                .delays(Duration.ofSeconds(10))
                .attemptTimeout(Duration.ofMillis(300))
                .build());
    hook("/slow", null);
    d.publish(event(null));
    d.runDueNow();

    assertEquals(Map.of(attempts("retry_scheduled", "none", "timeout"), 1.0), hooklineMeters());
  }

  @Test
  void a410FailsTheDeliveryForGoodAndDisablesTheWebhook() {
    server.stubFor(post(urlEqualTo("/gone")).willReturn(aResponse().withStatus(410)));
    Dispatcher d = dispatcher();
    hook("/gone", null);
    d.publish(event(null));
    d.runDueNow();

    assertEquals(
        Map.of(
            attempts("failed", "4xx", "none"),
            1.0,
            "hookline.deliveries.failed{event.type=user.created}",
            1.0,
            "hookline.webhooks.disabled{}",
            1.0),
        hooklineMeters());
  }

  @Test
  void exhaustedRetriesFailTheDeliveryOnce() {
    server.stubFor(post(urlEqualTo("/down")).willReturn(aResponse().withStatus(503)));
    Dispatcher d = dispatcher();
    hook("/down", null);
    d.publish(event(null));
    d.runDueNow();
    clock.advance(Duration.ofSeconds(10));
    d.runDueNow();
    clock.advance(Duration.ofSeconds(20));
    d.runDueNow();

    assertEquals(
        Map.of(
            attempts("retry_scheduled", "5xx", "none"),
            2.0,
            attempts("failed", "5xx", "none"),
            1.0,
            "hookline.deliveries.failed{event.type=user.created}",
            1.0),
        hooklineMeters());
  }

  @Test
  void noHighCardinalityTagByDefault() {
    server.stubFor(post(urlEqualTo("/ok")).willReturn(aResponse().withStatus(200)));
    server.stubFor(post(urlEqualTo("/gone")).willReturn(aResponse().withStatus(410)));
    Dispatcher d = dispatcher();
    hook("/ok", "acme");
    hook("/gone", "acme");
    d.publish(event("acme"));
    d.runDueNow();

    Set<String> keys =
        meters.getMeters().stream()
            .filter(m -> m.getId().getName().startsWith("hookline."))
            .flatMap(m -> m.getId().getTags().stream())
            .map(Tag::getKey)
            .collect(Collectors.toSet());
    assertTrue(
        Set.of("outcome", "status", "error.kind", "event.type", "error").containsAll(keys),
        keys.toString());
  }

  @Test
  void optInTenantAndWebhookTagsAndTheMetersOfADeletedWebhookAreRemoved() {
    server.stubFor(post(urlEqualTo("/gone")).willReturn(aResponse().withStatus(410)));
    Dispatcher d =
        dispatcher(
            HooklineObservations.builder(observations, meters)
                .registry(registry)
                .tenantTag(true)
                .webhookTag(true),
            RetrySchedule.defaults());
    Webhook w = hook("/gone", "acme");
    d.publish(event("acme"));
    d.runDueNow();
    String tags = ",tenant=acme,webhook.id=" + w.id() + "}";
    assertEquals(
        Map.of(
            TIMER + "{error.kind=none,event.type=user.created,outcome=failed,status=4xx" + tags,
            1.0,
            "hookline.deliveries.failed{event.type=user.created" + tags,
            1.0,
            "hookline.webhooks.disabled{" + tags.substring(1),
            1.0),
        hooklineMeters());

    registry.delete(w.id());
    assertEquals(Map.of(), hooklineMeters(), "the deleted webhook's meters are gone");
  }

  @Test
  void aWebhookDeletedWhileItsAttemptRunsLeavesNoMetersBehind() {
    server.stubFor(post(urlEqualTo("/gone")).willReturn(aResponse().withStatus(410)));
    HooklineObservations metrics =
        HooklineObservations.builder(observations, meters)
            .registry(registry)
            .tenantTag(true)
            .webhookTag(true)
            .build();
    String[] target = new String[1];
    // Ends before the metrics' scope (a composite ends in reverse order): the webhook is deleted
    // after the request, before the attempt's meters are registered.
    dev.hookline.delivery.AttemptObserver deleter = request -> result -> registry.delete(target[0]);
    dispatcher =
        Dispatcher.builder()
            .registry(registry)
            .jitter(() -> 0.5)
            .retrySchedule(RetrySchedule.defaults())
            .attemptObserver(
                dev.hookline.delivery.AttemptObserver.composite(
                    java.util.List.of(metrics, deleter)))
            .shutdownTimeout(Duration.ofSeconds(2))
            .build();
    Webhook w = hook("/gone", "acme");
    target[0] = w.id();
    dispatcher.publish(event("acme"));
    dispatcher.runDueNow();
    assertTrue(registry.get(w.id()).isEmpty(), "deleted during its attempt");
    assertEquals(Map.of(), hooklineMeters(), "no meter of the deleted webhook or its tenant");
  }

  @Test
  void aWebhookDeletedByAnotherInstanceLosesItsMetersAtTheNextReload() {
    server.stubFor(post(urlEqualTo("/ok")).willReturn(aResponse().withStatus(200)));
    Dispatcher d =
        dispatcher(
            HooklineObservations.builder(observations, meters).registry(registry).webhookTag(true),
            RetrySchedule.defaults());
    Webhook w = hook("/ok", null);
    d.publish(event(null));
    d.runDueNow();
    assertEquals(1, hooklineMeters().size(), hooklineMeters().toString());
    // Another instance deletes it: this registry's listeners never hear of it, the Store does.
    store.deleteWebhook(w.id());
    d.reloadWebhooks();
    assertEquals(Map.of(), hooklineMeters(), "gone with the webhook");
  }

  @Test
  void closedInstrumentationStopsListeningToTheRegistryButItsDispatcherStillTellsIt() {
    server.stubFor(post(urlEqualTo("/ok")).willReturn(aResponse().withStatus(200)));
    HooklineObservations metrics =
        HooklineObservations.builder(observations, meters)
            .registry(registry)
            .webhookTag(true)
            .build();
    dispatcher =
        Dispatcher.builder()
            .registry(registry)
            .retrySchedule(RetrySchedule.defaults())
            .attemptObserver(metrics)
            .build();
    Webhook w = hook("/ok", null);
    dispatcher.publish(event(null));
    dispatcher.runDueNow();
    metrics.close();
    metrics.close();
    registry.delete(w.id());
    assertEquals(
        Map.of(),
        hooklineMeters(),
        "the dispatcher it observes tells it of the deletion; the registry no longer does");
  }

  @Test
  void aTenantsMetersGoWithItsLastWebhookEvenOneNeverAttempted() {
    server.stubFor(post(urlEqualTo("/ok")).willReturn(aResponse().withStatus(200)));
    Dispatcher d =
        dispatcher(
            HooklineObservations.builder(observations, meters).registry(registry).tenantTag(true),
            RetrySchedule.defaults());
    Webhook attempted = hook("/ok", "acme");
    Webhook host = hook("/ok", null);
    d.publish(event("acme"));
    d.runDueNow();
    Webhook neverAttempted = hook("/ok", "acme");
    String acme =
        TIMER
            + "{error.kind=none,event.type=user.created,outcome=succeeded,status=2xx,tenant=acme}";
    String none =
        TIMER
            + "{error.kind=none,event.type=user.created,outcome=succeeded,status=2xx,tenant=none}";
    assertEquals(Map.of(acme, 1.0, none, 1.0), hooklineMeters());

    registry.delete(attempted.id());
    assertEquals(Map.of(acme, 1.0, none, 1.0), hooklineMeters(), "acme still has a webhook");
    registry.delete(neverAttempted.id());
    assertEquals(Map.of(none, 1.0), hooklineMeters(), "acme's last webhook is gone");
    registry.delete(host.id());
    assertEquals(Map.of(none, 1.0), hooklineMeters(), "the host's meters are not a tenant's");
  }

  /**
   * Review r146: a tenant may be named {@code none} (1 to 128 of {@code A-Z a-z 0-9 . _ : @ -}),
   * the value that tags the host's own webhooks. Deleting that tenant's last webhook removed every
   * meter tagged {@code tenant=none}: the host's timers and counters too, their counts lost.
   */
  @Test
  void aTenantNamedNoneTakesNotTheHostsMetersWithItsLastWebhook() {
    server.stubFor(post(urlEqualTo("/ok")).willReturn(aResponse().withStatus(200)));
    Dispatcher d =
        dispatcher(
            HooklineObservations.builder(observations, meters).registry(registry).tenantTag(true),
            RetrySchedule.defaults());
    Webhook host = hook("/ok", null);
    d.publish(event(null));
    d.runDueNow();
    String none =
        TIMER
            + "{error.kind=none,event.type=user.created,outcome=succeeded,status=2xx,tenant=none}";
    assertEquals(Map.of(none, 1.0), hooklineMeters());

    Webhook named = hook("/ok", "none");
    d.publish(event("none"));
    d.runDueNow();
    // The host's webhook gets the tenant's event too: one series, the tag cannot tell them apart.
    assertEquals(Map.of(none, 3.0), hooklineMeters());
    registry.delete(named.id());
    assertEquals(
        Map.of(none, 3.0),
        hooklineMeters(),
        "the host still has a webhook: the series tagged tenant=none is its too");
    registry.delete(host.id());
  }

  @Test
  void gaugesReadCachedCountsAndOpenBreakers() {
    server.stubFor(post(urlEqualTo("/down")).willReturn(aResponse().withStatus(500)));
    dispatcher =
        Dispatcher.builder()
            .registry(registry)
            .jitter(() -> 0.5)
            .circuitBreaker(
                CircuitBreakerPolicy.builder()
                    .window(2)
                    .minimumAttempts(2)
                    .failureRate(0.5)
                    .build())
            .retrySchedule(RetrySchedule.builder().attemptTimeout(Duration.ofSeconds(5)).build())
            .build();
    HooklineMeterBinder.of(dispatcher, clock, Duration.ofSeconds(30)).bindTo(meters);
    hook("/down", null);
    dispatcher.publish(event(null));
    dispatcher.publish(event(null));
    assertEquals(2.0, gauge(HooklineMeterBinder.PENDING));
    assertEquals(0.0, gauge(HooklineMeterBinder.RETRYING));
    assertEquals(0.0, gauge(HooklineMeterBinder.OPEN_BREAKERS));

    dispatcher.runDueNow();
    assertEquals(2.0, gauge(HooklineMeterBinder.PENDING), "cached for 30 s");
    assertEquals(1.0, gauge(HooklineMeterBinder.OPEN_BREAKERS), "not cached");
    clock.advance(Duration.ofSeconds(30));
    assertEquals(0.0, gauge(HooklineMeterBinder.PENDING));
    assertEquals(2.0, gauge(HooklineMeterBinder.RETRYING));
  }

  private double gauge(String name) {
    var g = meters.find(name).gauge();
    assertTrue(g != null, name);
    return g.value();
  }

  @Test
  void aReplacedConventionNamesTheObservation() {
    server.stubFor(post(urlEqualTo("/ok")).willReturn(aResponse().withStatus(200)));
    AttemptObservationConvention custom =
        new AttemptObservationConvention() {
          @Override
          public String getName() {
            return "webhooks.sent";
          }

          @Override
          public io.micrometer.common.KeyValues getLowCardinalityKeyValues(
              AttemptObservationContext context) {
            return io.micrometer.common.KeyValues.of(
                "ok", Boolean.toString(context.result().map(r -> !r.failed()).orElse(false)));
          }
        };
    Dispatcher d =
        dispatcher(
            HooklineObservations.builder(observations, meters).convention(custom),
            RetrySchedule.defaults());
    hook("/ok", null);
    d.publish(event(null));
    d.runDueNow();
    assertNull(meters.find(TIMER).timer());
    assertEquals(1, meters.get("webhooks.sent").tag("ok", "true").timer().count());
  }

  /** A convention of its own name, tagging each attempt with the webhook's id or its tenant. */
  private static AttemptObservationConvention sentBy(String key) {
    return new AttemptObservationConvention() {
      @Override
      public String getName() {
        return "webhooks.sent";
      }

      @Override
      public io.micrometer.common.KeyValues getLowCardinalityKeyValues(
          AttemptObservationContext context) {
        Webhook w = context.request().webhook();
        return io.micrometer.common.KeyValues.of(
            key, key.equals("tenant") ? w.tenant().orElse("none") : w.id());
      }
    };
  }

  /** Every meter's "name{k=v,...}", whatever its name. */
  private Set<String> meterIds() {
    return meters.getMeters().stream()
        .map(
            m ->
                m.getId().getName()
                    + m.getId().getTags().stream()
                        .filter(t -> !t.getKey().equals("error"))
                        .map(t -> t.getKey() + "=" + t.getValue())
                        .collect(Collectors.joining(",", "{", "}")))
        .collect(Collectors.toCollection(java.util.TreeSet::new));
  }

  @Test
  void aCustomConventionsMetersOfADeletedWebhookAreRemovedWhateverTheirName() {
    server.stubFor(post(urlEqualTo("/ok")).willReturn(aResponse().withStatus(200)));
    Dispatcher d =
        dispatcher(
            HooklineObservations.builder(observations, meters)
                .convention(sentBy("webhook.id"))
                .webhookTag(true)
                .registry(registry),
            RetrySchedule.defaults());
    Webhook deleted = hook("/ok", null);
    Webhook kept = hook("/ok", null);
    d.publish(event(null));
    d.runDueNow();
    assertEquals(
        Set.of(
            "webhooks.sent{webhook.id=" + deleted.id() + "}",
            "webhooks.sent.active{webhook.id=" + deleted.id() + "}",
            "webhooks.sent{webhook.id=" + kept.id() + "}",
            "webhooks.sent.active{webhook.id=" + kept.id() + "}"),
        meterIds());

    registry.delete(deleted.id());
    assertEquals(
        Set.of(
            "webhooks.sent{webhook.id=" + kept.id() + "}",
            "webhooks.sent.active{webhook.id=" + kept.id() + "}"),
        meterIds(),
        "the deleted webhook's timer and long task timer are gone, the other's stay");
  }

  @Test
  void aCustomConventionsMetersOfATenantGoWithItsLastWebhookButNotTheApplications() {
    server.stubFor(post(urlEqualTo("/ok")).willReturn(aResponse().withStatus(200)));
    Dispatcher d =
        dispatcher(
            HooklineObservations.builder(observations, meters)
                .convention(sentBy("tenant"))
                .tenantTag(true)
                .registry(registry),
            RetrySchedule.defaults());
    Webhook w = hook("/ok", "acme");
    d.publish(event("acme"));
    d.runDueNow();
    meters.counter("app.requests", "tenant", "acme").increment(); // the application's own
    assertEquals(
        Set.of(
            "app.requests{tenant=acme}",
            "webhooks.sent{tenant=acme}",
            "webhooks.sent.active{tenant=acme}"),
        meterIds());

    registry.delete(w.id());
    assertEquals(Set.of("app.requests{tenant=acme}"), meterIds(), "acme's last webhook is gone");
  }
}
