package dev.hookline.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.delivery.Dispatcher;
import dev.hookline.micrometer.HooklineMeterBinder;
import dev.hookline.micrometer.HooklineObservations;
import dev.hookline.otel.HooklineTelemetry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.opentelemetry.api.OpenTelemetry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Review r119: the README says the observers back off when there is more than one bean for them to
 * work with, but the Micrometer and OpenTelemetry observers were conditional only on a {@code
 * MeterRegistry}, {@code ObservationRegistry} or {@code OpenTelemetry} bean existing. With two of
 * one (an application without Actuator's composite registry that defines two meter registries, or
 * two OpenTelemetry instances), none {@code @Primary}, the starter's optional observer asked for "a
 * single bean, but 2 were found" and the application failed to start. Now it backs off; with one of
 * them {@code @Primary}, it uses that one.
 */
class AmbiguousObservabilityBeansReviewTest {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  HooklineAutoConfiguration.class, HooklineObservabilityAutoConfiguration.class))
          .withPropertyValues("hookline.dispatcher.auto-start=false");

  @Test
  void twoMeterRegistriesNonePrimaryLeaveTheMicrometerObserverOutRatherThanFailStartup() {
    runner
        .withBean(ObservationRegistry.class, ObservationRegistry::create)
        .withBean("meters1", MeterRegistry.class, SimpleMeterRegistry::new)
        .withBean("meters2", MeterRegistry.class, SimpleMeterRegistry::new)
        .run(
            context -> {
              assertNull(context.getStartupFailure(), "the application starts");
              assertNotNull(context.getBean(Dispatcher.class));
              assertTrue(context.getBeansOfType(HooklineObservations.class).isEmpty());
              assertTrue(context.getBeansOfType(HooklineMeterBinder.class).isEmpty());
            });
  }

  @Test
  void twoObservationRegistriesNonePrimaryLeaveTheMicrometerObserverOut() {
    runner
        .withBean("observations1", ObservationRegistry.class, ObservationRegistry::create)
        .withBean("observations2", ObservationRegistry.class, ObservationRegistry::create)
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .run(
            context -> {
              assertNull(context.getStartupFailure(), "the application starts");
              assertTrue(context.getBeansOfType(HooklineObservations.class).isEmpty());
            });
  }

  @Test
  void aPrimaryMeterRegistryAmongTwoIsTheOneUsed() {
    SimpleMeterRegistry primary = new SimpleMeterRegistry();
    runner
        .withBean(ObservationRegistry.class, ObservationRegistry::create)
        .withBean("meters1", MeterRegistry.class, () -> primary, d -> d.setPrimary(true))
        .withBean("meters2", MeterRegistry.class, SimpleMeterRegistry::new)
        .run(
            context -> {
              assertNull(context.getStartupFailure(), "the application starts");
              assertEquals(1, context.getBeansOfType(HooklineObservations.class).size());
              assertEquals(1, context.getBeansOfType(HooklineMeterBinder.class).size());
            });
  }

  @Test
  void twoOpenTelemetryBeansNonePrimaryLeaveTheTracingOutRatherThanFailStartup() {
    runner
        .withBean("otel1", OpenTelemetry.class, OpenTelemetry::noop)
        .withBean("otel2", OpenTelemetry.class, OpenTelemetry::noop)
        .run(
            context -> {
              assertNull(context.getStartupFailure(), "the application starts");
              assertNotNull(context.getBean(Dispatcher.class));
              assertTrue(context.getBeansOfType(HooklineTelemetry.class).isEmpty());
            });
    runner
        .withBean("otel1", OpenTelemetry.class, OpenTelemetry::noop, d -> d.setPrimary(true))
        .withBean("otel2", OpenTelemetry.class, OpenTelemetry::noop)
        .run(context -> assertEquals(1, context.getBeansOfType(HooklineTelemetry.class).size()));
  }
}
