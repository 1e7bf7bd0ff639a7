package dev.hookline.micrometer;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.AttemptObserver;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.RetrySchedule;
import dev.hookline.filter.Filters;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.TestWebhooks;
import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.GlobalObservationConvention;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Review r73: Spring Boot registers every {@code GlobalObservationConvention} bean on its
 * ObservationRegistry, and such a convention takes precedence over Hookline's (its javadoc says
 * so). One that tags {@code webhook.id}, the key the class documents as the one whose meters go
 * with a deleted webhook, loses that guarantee for a webhook deleted while its attempt runs: the
 * tombstone that catches the meters registered as the attempt ends is kept only with an opt-in tag
 * or a {@code convention(...)} given to the builder, so the timer stays for good.
 */
class GlobalConventionDeletionReviewTest {

  /** A global convention (as an application's bean) that tags each attempt with its webhook. */
  static final class ByWebhook implements GlobalObservationConvention<AttemptObservationContext> {
    @Override
    public boolean supportsContext(Observation.Context context) {
      return context instanceof AttemptObservationContext;
    }

    @Override
    public String getName() {
      return "webhooks.sent";
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(AttemptObservationContext context) {
      return KeyValues.of("webhook.id", context.request().webhook().id());
    }
  }

  @Test
  void aWebhookDeletedWhileItsAttemptRunsLeavesNoMeterTaggedWithItsId() {
    WireMockServer server =
        new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
    server.start();
    Dispatcher dispatcher = null;
    try {
      server.stubFor(post(urlEqualTo("/ok")).willReturn(aResponse().withStatus(200)));
      WebhookRegistry registry =
          WebhookRegistry.builder()
              .store(new InMemoryStore())
              .filterCompiler(Filters.compiler())
              .allowInsecureLoopbackForDevelopment(true)
              .build();
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      ObservationRegistry observations = ObservationRegistry.create();
      observations
          .observationConfig()
          .observationHandler(new DefaultMeterObservationHandler(meters))
          .observationConvention(new ByWebhook());
      HooklineObservations metrics =
          HooklineObservations.builder(observations, meters).registry(registry).build();
      String[] target = new String[1];
      // Ends before the metrics' scope (a composite ends scopes in reverse order): the webhook
      // is deleted after its request, before the attempt's timer is registered.
      AttemptObserver deleter = request -> result -> registry.delete(target[0]);
      dispatcher =
          Dispatcher.builder()
              .registry(registry)
              .retrySchedule(RetrySchedule.defaults())
              .attemptObserver(AttemptObserver.composite(List.of(metrics, deleter)))
              .shutdownTimeout(Duration.ofSeconds(2))
              .build();
      Webhook w =
          registry.create(
              WebhookDefinition.builder()
                  .name("deleted while running")
                  .uri(server.baseUrl() + "/ok")
                  .apiKey("test-api-key-0123456789")
                  .events(UserEvents.CREATED)
                  .build());
      TestWebhooks.markVerified(registry, w.id());
      registry.enable(w.id());
      target[0] = w.id();
      ObjectNode data = JsonNodeFactory.instance.objectNode();
      data.put("user_id", "u1");
      dispatcher.publish(
          Event.builder(UserEvents.CREATED)
              .id("evt_r73_global")
              .occurredAt(Instant.now())
              .user("u1")
              .data(data)
              .build());
      dispatcher.runDueNow();
      assertTrue(registry.get(w.id()).isEmpty(), "deleted during its attempt");
      List<String> left =
          meters.getMeters().stream()
              .map(Meter::getId)
              .filter(id -> w.id().equals(id.getTag("webhook.id")))
              .map(id -> id.getName() + id.getTags())
              .collect(Collectors.toList());
      assertEquals(List.of(), left, "meters of the deleted webhook were left behind");
    } finally {
      if (dispatcher != null) {
        dispatcher.close();
      }
      server.stop();
    }
  }
}
