package dev.hookline.spring;

import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.PublishContextCapturer;
import dev.hookline.micrometer.HooklineMeterBinder;
import dev.hookline.micrometer.HooklineObservations;
import dev.hookline.otel.HooklineTelemetry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * The optional observers, imported by {@link HooklineObservabilityAutoConfiguration}: after the
 * registry and dispatcher are defined, so that each bean here backs off unless there is exactly one
 * to observe. The dispatcher takes every {@code AttemptObserver} bean (combined when there are
 * several). No tenant or webhook tag is turned on: see the micrometer module.
 */
final class ObserverConfigurations {
  private ObserverConfigurations() {}

  /**
   * Micrometer, when hookline-micrometer is present with one ObservationRegistry and one
   * MeterRegistry (or one of several {@code @Primary}): with several and none primary, it backs off
   * rather than fail startup on the ambiguity, as the observers do for the beans they observe.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(
      name = {
        "dev.hookline.micrometer.HooklineObservations",
        "io.micrometer.observation.ObservationRegistry",
        "io.micrometer.core.instrument.MeterRegistry"
      })
  @ConditionalOnBean(type = "io.micrometer.observation.ObservationRegistry")
  @ConditionalOnSingleCandidate(type = "io.micrometer.core.instrument.MeterRegistry")
  @ConditionalOnProperty(
      prefix = "hookline.micrometer",
      name = "enabled",
      havingValue = "true",
      matchIfMissing = true)
  static class Micrometer {
    // First of the MeterBinders Spring Boot binds: binding replaces gauges already registered, so
    // an application's own HooklineMeterBinder declared as a MeterBinder (which the condition
    // below does not see) is bound after this one and is what the registry reads.
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnSingleCandidate(Dispatcher.class)
    @Order(Ordered.HIGHEST_PRECEDENCE)
    HooklineMeterBinder hooklineMeterBinder(Dispatcher dispatcher) {
      return HooklineMeterBinder.of(dispatcher);
    }

    /** The observer, with one ObservationRegistry (the condition annotation is not repeatable). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnSingleCandidate(type = "io.micrometer.observation.ObservationRegistry")
    static class Observations {
      @Bean
      @ConditionalOnMissingBean
      @ConditionalOnSingleCandidate(WebhookRegistry.class)
      HooklineObservations hooklineObservations(
          ObservationRegistry observations, MeterRegistry meters, WebhookRegistry registry) {
        return HooklineObservations.builder(observations, meters).registry(registry).build();
      }
    }
  }

  /**
   * OpenTelemetry, when hookline-opentelemetry is present with one OpenTelemetry bean (or one of
   * several {@code @Primary}).
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(
      name = {"dev.hookline.otel.HooklineTelemetry", "io.opentelemetry.api.OpenTelemetry"})
  @ConditionalOnSingleCandidate(type = "io.opentelemetry.api.OpenTelemetry")
  @ConditionalOnProperty(
      prefix = "hookline.opentelemetry",
      name = "enabled",
      havingValue = "true",
      matchIfMissing = true)
  static class OpenTelemetry {
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnSingleCandidate(WebhookRegistry.class)
    HooklineTelemetry hooklineTelemetry(
        io.opentelemetry.api.OpenTelemetry openTelemetry, WebhookRegistry registry) {
      return HooklineTelemetry.builder(openTelemetry).registry(registry).build();
    }
  }

  /**
   * The publish-context capturer of the one {@link HooklineTelemetry}: the starter's, or the
   * application's own, also without an OpenTelemetry bean (under the Java agent, an application
   * builds its telemetry over {@code GlobalOpenTelemetry}). Imported after {@link OpenTelemetry},
   * so that it sees the starter's telemetry.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(
      name = {"dev.hookline.otel.HooklineTelemetry", "io.opentelemetry.api.OpenTelemetry"})
  @ConditionalOnProperty(
      prefix = "hookline.opentelemetry",
      name = "enabled",
      havingValue = "true",
      matchIfMissing = true)
  static class OpenTelemetryPublishContext {
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnSingleCandidate(HooklineTelemetry.class)
    PublishContextCapturer hooklinePublishContextCapturer(HooklineTelemetry telemetry) {
      return telemetry.publishContextCapturer();
    }
  }
}
