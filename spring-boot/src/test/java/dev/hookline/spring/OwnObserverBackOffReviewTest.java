package dev.hookline.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.AttemptObserver;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.micrometer.HooklineObservations;
import dev.hookline.testing.LoopbackSink;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Review r73: the README says an application defines a {@code HooklineObservations} bean to replace
 * the starter's (to opt in to the tenant tag, say). Declared as the {@code AttemptObserver} the
 * dispatcher takes, it is not seen by the starter's {@code @ConditionalOnMissingBean}: the starter
 * adds its own as well, the dispatcher combines both, and every attempt is recorded twice, once
 * with the application's tags and once without (on Prometheus, which refuses one name with two sets
 * of tag keys, one of the two timers is dropped).
 */
class OwnObserverBackOffReviewTest {

  @Test
  void anApplicationsHooklineObservationsDeclaredAsAttemptObserverReplacesTheStarters()
      throws Exception {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    ObservationRegistry observations = ObservationRegistry.create();
    observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
    try (LoopbackSink sink = LoopbackSink.recording()) {
      String uri = sink.uri("/hooks");
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  HooklineAutoConfiguration.class, HooklineObservabilityAutoConfiguration.class))
          .withPropertyValues(
              "hookline.allow-insecure-loopback-for-development=true",
              "hookline.dispatcher.auto-start=false")
          .withBean(MeterRegistry.class, () -> meters)
          .withBean(ObservationRegistry.class, () -> observations)
          .withBean(
              "tenantMetrics",
              AttemptObserver.class,
              () -> HooklineObservations.builder(observations, meters).tenantTag(true).build())
          .run(
              context -> {
                Dispatcher dispatcher = context.getBean(Dispatcher.class);
                Webhooks.receiving(context.getBean(WebhookRegistry.class), uri);
                dispatcher.publish(Webhooks.event());
                dispatcher.runDueNow();
                assertEquals(1, sink.total(), "one attempt was made");
                List<String> timers =
                    meters.find("hookline.delivery.attempts").timers().stream()
                        .map((Timer t) -> t.getId().getTags() + "=" + t.count())
                        .toList();
                assertEquals(
                    1,
                    timers.size(),
                    "one attempt, one timer (the application's, tagged with the tenant): "
                        + timers);
              });
    }
  }
}
