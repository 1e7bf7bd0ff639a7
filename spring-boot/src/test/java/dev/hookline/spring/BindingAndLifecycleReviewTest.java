package dev.hookline.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.delivery.Dispatcher;
import dev.hookline.spi.Store;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/** How a Spring Boot user sets the dispatcher's properties, and a context that fails to refresh. */
class BindingAndLifecycleReviewTest {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  HooklineAutoConfiguration.class,
                  HooklineObservabilityAutoConfiguration.class,
                  HooklineAdminAutoConfiguration.class));

  @Test
  void environmentVariablesBindInTheirUsualForm() {
    Map<String, Object> env =
        Map.of(
            "HOOKLINE_DISPATCHER_WORKERS", "9",
            "HOOKLINE_DISPATCHER_POLLINTERVAL", "PT2S",
            "HOOKLINE_DISPATCHER_SHUTDOWNTIMEOUT", "5m");
    runner
        .withInitializer(
            c ->
                c.getEnvironment()
                    .getPropertySources()
                    .addFirst(
                        new SystemEnvironmentPropertySource(
                            "test-" + StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                            env)))
        .run(
            context -> {
              HooklineProperties.Dispatcher p =
                  context.getBean(HooklineProperties.class).getDispatcher();
              assertEquals(9, p.getWorkers());
              assertEquals(Duration.ofSeconds(2), p.getPollInterval());
              assertEquals(Duration.ofMinutes(5), p.getShutdownTimeout());
              String d = context.getBean(Dispatcher.class).toString();
              assertTrue(d.contains("workers=9"), d);
            });
  }

  @Test
  void periodsBindInEveryFormSpringBootTakes() {
    runner
        .withPropertyValues(
            "hookline.dispatcher.poll-interval=30s",
            "hookline.dispatcher.webhook-reload-interval=PT30S",
            "hookline.dispatcher.shutdown-timeout=500",
            "hookline.health.store-timeout=1m")
        .run(
            context -> {
              assertNull(context.getStartupFailure());
              HooklineProperties p = context.getBean(HooklineProperties.class);
              assertEquals(Duration.ofSeconds(30), p.getDispatcher().getPollInterval());
              assertEquals(Duration.ofSeconds(30), p.getDispatcher().getWebhookReloadInterval());
              assertEquals(Duration.ofMillis(500), p.getDispatcher().getShutdownTimeout());
              assertEquals(Duration.ofMinutes(1), p.getHealth().getStoreTimeout());
            });
  }

  @Test
  void aPeriodThatIsNoPeriodFailsStartupNamingTheProperty() {
    runner
        .withPropertyValues("hookline.dispatcher.poll-interval=fast")
        .run(
            context -> {
              Throwable t = context.getStartupFailure();
              while (t != null && !(t instanceof BindException)) {
                t = t.getCause();
              }
              BindException e = assertInstanceOf(BindException.class, t);
              assertNotNull(e.getProperty());
              assertEquals(
                  "hookline.dispatcher.poll-interval", e.getProperty().getName().toString());
            });
  }

  @Test
  void withoutEveryOptionalLibraryTheContextStillStarts() {
    runner
        .withClassLoader(
            new FilteredClassLoader(
                "dev.hookline.micrometer",
                "io.micrometer",
                "dev.hookline.otel",
                "io.opentelemetry",
                "dev.hookline.admin",
                "dev.hookline.store.jdbc",
                "org.springframework.boot.actuate"))
        .run(
            context -> {
              assertNull(context.getStartupFailure());
              assertNotNull(context.getBean(Dispatcher.class));
              assertNotNull(context.getBean(Store.class));
              assertTrue(context.getBeansOfType(HooklineHealthIndicator.class).isEmpty());
            });
  }

  @Test
  void aRefreshThatFailsAfterTheDispatcherIsBuiltClosesIt() {
    AtomicReference<Dispatcher> seen = new AtomicReference<>();
    runner
        .withBean(
            "fails",
            Object.class,
            () -> {
              throw new IllegalStateException("a bean of the application fails");
            },
            d -> d.setDependsOn("hooklineDispatcher"))
        .withInitializer(
            c ->
                c.addBeanFactoryPostProcessor(
                    bf ->
                        bf.addBeanPostProcessor(
                            new org.springframework.beans.factory.config.BeanPostProcessor() {
                              @Override
                              public Object postProcessAfterInitialization(Object b, String n) {
                                if (b instanceof Dispatcher d) {
                                  seen.set(d);
                                }
                                return b;
                              }
                            })))
        .run(context -> assertNotNull(context.getStartupFailure()));
    assertNotNull(seen.get());
    IllegalStateException closed =
        assertThrows(IllegalStateException.class, () -> seen.get().publish(Webhooks.event()));
    assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
  }
}
