package dev.hookline.spring;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Import;

/**
 * Auto-configures what observes Hookline, each part only when its library is present: the
 * Micrometer and OpenTelemetry observers, and with Spring Boot Actuator the {@code hookline} health
 * indicator and the sanitizing of the {@code hookline.secrets.*} keys in {@code /actuator/env} and
 * {@code /actuator/configprops}. It runs after {@link HooklineAutoConfiguration}, so that it sees
 * whether there is one {@code WebhookRegistry}, {@code Dispatcher} and {@code Store} to observe,
 * and backs off when there is not.
 *
 * <p>Spring creates and uses it at startup; it holds no state of its own.
 */
@AutoConfiguration(
    after = HooklineAutoConfiguration.class,
    afterName = {
      "org.springframework.boot.actuate.autoconfigure.observation.ObservationAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.opentelemetry.OpenTelemetryAutoConfiguration",
      // The OpenTelemetry project's own starter (opentelemetry-spring-boot-starter), which makes
      // the OpenTelemetry bean when Boot's does not: without this, the OpenTelemetry observer's
      // condition on that bean could be read before the bean exists, and quietly back off.
      "io.opentelemetry.instrumentation.spring.autoconfigure.OpenTelemetryAutoConfiguration"
    })
@EnableConfigurationProperties(HooklineProperties.class)
// The imported configurations are implementation, read by Spring only: not API, though javac sees
// them named on a public type.
@SuppressWarnings("exports")
@Import({
  ObserverConfigurations.Micrometer.class,
  ObserverConfigurations.OpenTelemetry.class,
  ObserverConfigurations.OpenTelemetryPublishContext.class,
  ActuatorConfigurations.Health.class,
  ActuatorConfigurations.Sanitizing.class
})
public final class HooklineObservabilityAutoConfiguration {
  /** Created by Spring. */
  public HooklineObservabilityAutoConfiguration() {}
}
