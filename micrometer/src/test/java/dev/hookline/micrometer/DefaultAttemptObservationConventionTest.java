package dev.hookline.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Delivery;
import dev.hookline.ErrorKind;
import dev.hookline.Event;
import dev.hookline.EventType;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.AttemptObserver;
import dev.hookline.delivery.AttemptRequest;
import dev.hookline.delivery.AttemptResult;
import dev.hookline.delivery.AttemptResult.Outcome;
import dev.hookline.filter.Filters;
import dev.hookline.store.InMemoryStore;
import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The default convention's key values, which it makes once per event type and outcome and reuses:
 * every combination still gets exactly its own values, and the per-attempt values stay per attempt.
 */
class DefaultAttemptObservationConventionTest {
  private static final Instant NOW = Instant.parse("2026-11-30T00:00:00Z");

  private final WebhookRegistry registry =
      WebhookRegistry.builder()
          .store(new InMemoryStore())
          .filterCompiler(Filters.compiler())
          .allowInsecureLoopbackForDevelopment(true)
          .build();

  private Webhook webhook(@Nullable String tenant) {
    WebhookDefinition.Builder def =
        WebhookDefinition.builder()
            .name("convention")
            .uri("http://127.0.0.1:9/hook/secret")
            .apiKey("convention-api-key-0123456789")
            .events(UserEvents.CREATED, UserEvents.DELETED);
    if (tenant != null) {
      def.tenant(tenant);
    }
    return registry.create(def.build());
  }

  private static AttemptObservationContext context(
      Webhook w, EventType type, String deliveryId, int attempt) {
    Event e =
        Event.builder(type)
            .subject(Subject.user("u1"))
            .occurredAt(NOW)
            .data(JsonNodeFactory.instance.objectNode())
            .build();
    return new AttemptObservationContext(
        new Request(Delivery.pending(deliveryId, w.id(), e, NOW), w, attempt));
  }

  private static Map<String, String> map(KeyValues kv) {
    Map<String, String> m = new TreeMap<>();
    for (KeyValue k : kv) {
      m.put(k.getKey(), k.getValue());
    }
    return m;
  }

  @Test
  void everyOutcomeStatusAndErrorKindGetsItsOwnTagsForEachEventType() {
    DefaultAttemptObservationConvention convention = DefaultAttemptObservationConvention.create();
    Webhook w = webhook(null);
    OptionalInt[] statuses = {
      OptionalInt.empty(),
      OptionalInt.of(101),
      OptionalInt.of(204),
      OptionalInt.of(302),
      OptionalInt.of(410),
      OptionalInt.of(503),
      OptionalInt.of(999)
    };
    String[] classes = {"none", "1xx", "2xx", "3xx", "4xx", "5xx", "other"};
    List<Optional<ErrorKind>> kinds = new ArrayList<>();
    kinds.add(Optional.empty());
    for (ErrorKind k : ErrorKind.values()) {
      kinds.add(Optional.of(k));
    }
    for (int round = 0; round < 2; round++) { // the second round reads what the first one made
      for (EventType type : new EventType[] {UserEvents.CREATED, UserEvents.DELETED}) {
        AttemptObservationContext running = context(w, type, "dlv_1", 1);
        // no outcome, status or error kind before there is one
        assertEquals(
            Map.of("event.type", type.wireName()),
            map(convention.getLowCardinalityKeyValues(running)));
        for (Outcome outcome : Outcome.values()) {
          for (int s = 0; s < statuses.length; s++) {
            for (Optional<ErrorKind> kind : kinds) {
              AttemptObservationContext c = context(w, type, "dlv_1", 1);
              c.result(
                  new AttemptResult(
                      outcome, statuses[s], kind, Duration.ZERO, Optional.empty(), false));
              assertEquals(
                  Map.of(
                      "outcome", outcome.name().toLowerCase(Locale.ROOT),
                      "status", classes[s],
                      "error.kind", kind.map(x -> x.name().toLowerCase(Locale.ROOT)).orElse("none"),
                      "event.type", type.wireName()),
                  map(convention.getLowCardinalityKeyValues(c)),
                  outcome + " " + statuses[s] + " " + kind);
            }
          }
        }
      }
    }
  }

  @Test
  void optInTagsAreAddedToTheSharedOnes() {
    DefaultAttemptObservationConvention convention =
        DefaultAttemptObservationConvention.withTags(true, true);
    Webhook acme = webhook("acme");
    Webhook host = webhook(null);
    AttemptObservationContext a = context(acme, UserEvents.CREATED, "dlv_a", 1);
    AttemptObservationContext h = context(host, UserEvents.CREATED, "dlv_h", 1);
    assertEquals("acme", map(convention.getLowCardinalityKeyValues(a)).get("tenant"));
    assertEquals(acme.id(), map(convention.getLowCardinalityKeyValues(a)).get("webhook.id"));
    assertEquals("none", map(convention.getLowCardinalityKeyValues(h)).get("tenant"));
    assertEquals(host.id(), map(convention.getLowCardinalityKeyValues(h)).get("webhook.id"));
    // with webhook.id a tag, it is no longer a high-cardinality key value too
    assertEquals(
        Map.of("hookline.delivery.id", "dlv_a", "hookline.attempt.number", "1"),
        map(convention.getHighCardinalityKeyValues(a)));
  }

  @Test
  void highCardinalityValuesArePerAttemptAndMadeOncePerAttempt() {
    DefaultAttemptObservationConvention convention = DefaultAttemptObservationConvention.create();
    Webhook w = webhook(null);
    AttemptObservationContext first = context(w, UserEvents.CREATED, "dlv_1", 1);
    AttemptObservationContext retry = context(w, UserEvents.CREATED, "dlv_1", 3);
    AttemptObservationContext late = context(w, UserEvents.CREATED, "dlv_2", 40);
    assertEquals(
        Map.of(
            "hookline.delivery.id", "dlv_1",
            "hookline.attempt.number", "1",
            "hookline.webhook.id", w.id()),
        map(convention.getHighCardinalityKeyValues(first)));
    assertEquals(
        "3", map(convention.getHighCardinalityKeyValues(retry)).get("hookline.attempt.number"));
    assertEquals(
        Map.of(
            "hookline.delivery.id", "dlv_2",
            "hookline.attempt.number", "40",
            "hookline.webhook.id", w.id()),
        map(convention.getHighCardinalityKeyValues(late)));
    // asked at start and at stop: the same values, not made twice
    assertSame(
        convention.getHighCardinalityKeyValues(first),
        convention.getHighCardinalityKeyValues(first));
    // another convention asked about the same attempt makes its own
    assertEquals(
        Map.of("hookline.delivery.id", "dlv_1", "hookline.attempt.number", "1"),
        map(
            DefaultAttemptObservationConvention.withTags(false, true)
                .getHighCardinalityKeyValues(first)));
  }

  @Test
  void theMeterHandlerTimesRunningAttemptsByEventTypeAndEndedOnesByOutcome() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    ObservationRegistry observations = ObservationRegistry.create();
    observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
    HooklineObservations metrics = HooklineObservations.builder(observations, meters).build();
    Webhook w = webhook(null);
    Event e =
        Event.builder(UserEvents.CREATED)
            .subject(Subject.user("u1"))
            .occurredAt(NOW)
            .data(JsonNodeFactory.instance.objectNode())
            .build();
    AttemptObserver.Scope scope =
        metrics.beforeAttempt(new Request(Delivery.pending("dlv_1", w.id(), e, NOW), w, 1));

    LongTaskTimer running =
        meters.get(DefaultAttemptObservationConvention.NAME + ".active").longTaskTimer();
    assertEquals(List.of(Tag.of("event.type", "user.created")), running.getId().getTags());
    assertEquals(1, running.activeTasks());
    assertTrue(meters.find(DefaultAttemptObservationConvention.NAME).timers().isEmpty());

    scope.afterAttempt(
        new AttemptResult(
            Outcome.SUCCEEDED,
            OptionalInt.of(204),
            Optional.empty(),
            Duration.ofMillis(3),
            Optional.empty(),
            false));
    assertEquals(0, running.activeTasks());
    Timer ended = meters.get(DefaultAttemptObservationConvention.NAME).timer();
    assertEquals(
        List.of(
            Tag.of("error", "none"),
            Tag.of("error.kind", "none"),
            Tag.of("event.type", "user.created"),
            Tag.of("outcome", "succeeded"),
            Tag.of("status", "2xx")),
        ended.getId().getTags());
    assertEquals(1, ended.count());
  }

  /** An attempt as the dispatcher passes it. */
  private record Request(Delivery delivery, Webhook webhook, int attemptNumber)
      implements AttemptRequest {
    @Override
    public String method() {
      return "POST";
    }

    @Override
    public URI uri() {
      return webhook.uri();
    }

    @Override
    public String redactedUri() {
      return "http://127.0.0.1:9/…";
    }

    @Override
    public AttemptRequest header(String name, String value) {
      return this;
    }
  }
}
