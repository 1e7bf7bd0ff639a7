package dev.hookline.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.micrometer.HooklineMeterBinder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.observation.ObservationAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Review r157: the README says every bean of the starter's backs off for the application's own. An
 * application that wants the gauges read more often than every 30 s defines its own {@code
 * HooklineMeterBinder}, and declares it as the {@code MeterBinder} that Spring Boot binds (the
 * usual way to add meters). The starter's {@code @ConditionalOnMissingBean} sees only declared
 * types, so it adds its own binder too, and Actuator binds both in bean order, the starter's last:
 * binding replaces the gauges, so the registry read the starter's (cached for 30 s) and the
 * application's refresh was silently ignored.
 */
class OwnMeterBinderReviewTest {
  private static final String PENDING = HooklineMeterBinder.PENDING;

  /** Gauges that read the Store at every scrape. */
  @Configuration(proxyBeanMethods = false)
  static class OwnGauges {
    @Bean
    MeterBinder hooklineGaugesEveryScrape(Dispatcher dispatcher) {
      return HooklineMeterBinder.of(dispatcher, Clock.systemUTC(), Duration.ZERO);
    }
  }

  @Test
  void anApplicationsHooklineMeterBinderDeclaredAsMeterBinderIsTheOneTheRegistryReads() {
    MeterRegistry[] seen = new MeterRegistry[1];
    new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                MetricsAutoConfiguration.class,
                CompositeMeterRegistryAutoConfiguration.class,
                SimpleMetricsExportAutoConfiguration.class,
                ObservationAutoConfiguration.class,
                HooklineAutoConfiguration.class,
                HooklineObservabilityAutoConfiguration.class))
        .withUserConfiguration(OwnGauges.class)
        .withPropertyValues(
            "hookline.allow-insecure-loopback-for-development=true",
            // nothing is sent: the deliveries stay pending
            "hookline.dispatcher.auto-start=false")
        .run(
            context -> {
              MeterRegistry meters = context.getBean(MeterRegistry.class);
              seen[0] = meters;
              Dispatcher dispatcher = context.getBean(Dispatcher.class);
              Webhooks.receiving(context.getBean(WebhookRegistry.class), "http://127.0.0.1:9/h");
              assertEquals(0.0, pending(meters), "nothing published yet");

              dispatcher.publish(Webhooks.event());

              // The starter's binder would answer 0 for 30 s more, from its cache.
              assertEquals(
                  1.0,
                  pending(meters),
                  "the gauge is the application's, which reads the Store at every scrape");
            });
    assertNull(seen[0].find(PENDING).gauge(), "the application's gauges go with the context");
  }

  private static double pending(MeterRegistry meters) {
    return meters.get(PENDING).gauge().value();
  }
}
