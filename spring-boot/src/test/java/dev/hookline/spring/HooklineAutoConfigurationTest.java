package dev.hookline.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookLimitException;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.micrometer.HooklineMeterBinder;
import dev.hookline.micrometer.HooklineObservations;
import dev.hookline.otel.HooklineTelemetry;
import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import dev.hookline.store.jdbc.PostgresStore;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

@ExtendWith(OutputCaptureExtension.class)
class HooklineAutoConfigurationTest {
  private static final String IN_MEMORY_WARNING = "Hookline uses an in-memory store";

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  HooklineAutoConfiguration.class, HooklineObservabilityAutoConfiguration.class));

  @Test
  void withoutDataSourceTheStoreIsInMemoryAndSaysSoOnce(CapturedOutput output) {
    runner
        .withBean(
            WebhookRegistryCustomizer.class, () -> b -> b.allowInsecureLoopbackForDevelopment(true))
        .run(
            context -> {
              assertInstanceOf(InMemoryStore.class, context.getBean(Store.class));
              // The registry writes to that Store.
              Webhook w =
                  Webhooks.receiving(
                      context.getBean(WebhookRegistry.class), "http://127.0.0.1:9/hook");
              assertTrue(context.getBean(Store.class).findWebhook(w.id()).isPresent());
              assertNotNull(context.getBean(Dispatcher.class));
            });
    String log = output.getAll();
    assertEquals(1, log.split(IN_MEMORY_WARNING, -1).length - 1, log);
    assertTrue(log.contains("WARN"), log);
  }

  @Test
  void withoutStoreJdbcOnTheClassPathADataSourceStillGivesInMemory() {
    runner
        .withClassLoader(new FilteredClassLoader(PostgresStore.class))
        .withBean(
            DataSource.class,
            () -> SimpleConnectionPool.forUrl("jdbc:postgresql://127.0.0.1:1/unused", 1))
        .run(context -> assertInstanceOf(InMemoryStore.class, context.getBean(Store.class)));
  }

  @Test
  void theApplicationsBeansWin() {
    InMemoryStore store = new InMemoryStore();
    WebhookRegistry registry = WebhookRegistry.builder().store(store).build();
    runner
        .withBean(Store.class, () -> store)
        .withBean(WebhookRegistry.class, () -> registry)
        .run(
            context -> {
              assertSame(store, context.getBean(Store.class));
              assertSame(registry, context.getBean(WebhookRegistry.class));
              assertEquals(1, context.getBeansOfType(Store.class).size());
            });
    Dispatcher own = Dispatcher.builder().registry(registry).build();
    runner
        .withBean(Store.class, () -> store)
        .withBean(WebhookRegistry.class, () -> registry)
        .withBean(Dispatcher.class, () -> own)
        .run(context -> assertSame(own, context.getBean(Dispatcher.class)));
  }

  @Test
  void dispatcherPropertiesReachTheBuilderAndCustomizersRunAfterThem() {
    AtomicBoolean customized = new AtomicBoolean();
    runner
        .withPropertyValues(
            "hookline.dispatcher.workers=7",
            "hookline.dispatcher.per-endpoint-concurrency=2",
            "hookline.dispatcher.per-tenant-concurrency=3",
            "hookline.dispatcher.poll-interval=250ms",
            "hookline.dispatcher.webhook-reload-interval=1m",
            "hookline.dispatcher.shutdown-timeout=2s")
        .withBean(DispatcherCustomizer.class, () -> b -> customized.set(true))
        .withBean(
            WebhookRegistryCustomizer.class, () -> b -> b.allowInsecureLoopbackForDevelopment(true))
        .run(
            context -> {
              String d = context.getBean(Dispatcher.class).toString();
              assertTrue(d.contains("workers=7"), d);
              assertTrue(customized.get());
              HooklineProperties p = context.getBean(HooklineProperties.class);
              assertEquals(2, p.getDispatcher().getPerEndpointConcurrency());
              assertEquals(3, p.getDispatcher().getPerTenantConcurrency());
            });
  }

  @Test
  void anOutOfRangeDispatcherPropertyFailsStartupNamingTheProperty() {
    runner
        .withPropertyValues("hookline.dispatcher.per-endpoint-concurrency=0")
        .run(
            context -> {
              InvalidConfigurationPropertyValueException e =
                  cause(
                      context.getStartupFailure(),
                      InvalidConfigurationPropertyValueException.class);
              assertEquals("hookline.dispatcher.per-endpoint-concurrency", e.getName());
              assertTrue(e.getMessage().contains("it must be 1 to 1000"), e.getMessage());
            });
  }

  @Test
  void anOutOfRangeTenantLimitFailsStartupNamingTheProperty() {
    runner
        .withPropertyValues("hookline.dispatcher.per-tenant-concurrency=0")
        .run(
            context -> {
              InvalidConfigurationPropertyValueException e =
                  cause(
                      context.getStartupFailure(),
                      InvalidConfigurationPropertyValueException.class);
              assertEquals("hookline.dispatcher.per-tenant-concurrency", e.getName());
              assertTrue(e.getMessage().contains("it must be 1 to 10000"), e.getMessage());
            });
  }

  @Test
  void theTenantWebhookLimitIsSetByItsPropertyAndAnOutOfRangeOneFailsStartup() {
    runner
        .withPropertyValues("hookline.max-webhooks-per-tenant=1")
        .run(
            context -> {
              WebhookRegistry registry = context.getBean(WebhookRegistry.class);
              WebhookDefinition acme =
                  WebhookDefinition.builder()
                      .name("acme")
                      .uri("https://hooks.example.com/acme")
                      .apiKey("test-api-key-0123456789")
                      .events(UserEvents.CREATED)
                      .tenant("acme")
                      .build();
              registry.create(acme);
              assertThrows(WebhookLimitException.class, () -> registry.create(acme));
            });
    runner
        .withPropertyValues("hookline.max-webhooks-per-tenant=0")
        .run(
            context -> {
              InvalidConfigurationPropertyValueException e =
                  cause(
                      context.getStartupFailure(),
                      InvalidConfigurationPropertyValueException.class);
              assertEquals("hookline.max-webhooks-per-tenant", e.getName());
              assertTrue(e.getMessage().contains("between 1 and 1,000,000"), e.getMessage());
            });
  }

  @Test
  void theDispatcherStartsWithTheContextAndClosesWithIt() {
    Dispatcher[] seen = new Dispatcher[1];
    runner.run(
        context -> {
          seen[0] = context.getBean(Dispatcher.class);
          assertTrue(context.getBean(DispatcherLifecycle.class).isRunning());
          seen[0].publish(Webhooks.event()); // open: accepted (no webhook wants it)
        });
    IllegalStateException closed =
        assertThrows(IllegalStateException.class, () -> seen[0].publish(Webhooks.event()));
    assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
  }

  /** Stops in the phase of a web server's graceful drain: it may still publish then. */
  static final class LatePublisher implements org.springframework.context.SmartLifecycle {
    private final Dispatcher dispatcher;
    final java.util.List<RuntimeException> failures = new java.util.ArrayList<>();
    private volatile boolean running;

    LatePublisher(Dispatcher dispatcher) {
      this.dispatcher = dispatcher;
    }

    @Override
    public void start() {
      running = true;
    }

    @Override
    public void stop() {
      try {
        dispatcher.publish(Webhooks.event());
      } catch (RuntimeException e) {
        failures.add(e);
      }
      running = false;
    }

    @Override
    public boolean isRunning() {
      return running;
    }

    @Override
    public int getPhase() {
      return DEFAULT_PHASE - 1024;
    }
  }

  @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
  static class LatePublisherConfiguration {
    @org.springframework.context.annotation.Bean
    LatePublisher latePublisher(Dispatcher dispatcher) {
      return new LatePublisher(dispatcher);
    }
  }

  @Test
  void theDispatcherClosesOnlyAfterWhatMayStillPublishWhileShuttingDown() {
    LatePublisher[] late = new LatePublisher[1];
    runner
        .withUserConfiguration(LatePublisherConfiguration.class)
        .run(context -> late[0] = context.getBean(LatePublisher.class));
    assertNotNull(late[0]);
    assertEquals(java.util.List.of(), late[0].failures, "published while the server drained");
  }

  /** Starts in the web server's phase and fails, as a server whose port is taken does. */
  static final class FailingServer
      implements org.springframework.context.SmartLifecycle,
          org.springframework.context.ApplicationContextAware {
    private final java.util.concurrent.atomic.AtomicReference<Dispatcher> seen;
    private final AtomicBoolean dispatcherRunning;
    private org.springframework.context.@org.jspecify.annotations.Nullable ApplicationContext
        context;

    FailingServer(
        java.util.concurrent.atomic.AtomicReference<Dispatcher> seen,
        AtomicBoolean dispatcherRunning) {
      this.seen = seen;
      this.dispatcherRunning = dispatcherRunning;
    }

    @Override
    public void setApplicationContext(org.springframework.context.ApplicationContext context) {
      this.context = context;
    }

    @Override
    public void start() {
      org.springframework.context.ApplicationContext c = java.util.Objects.requireNonNull(context);
      seen.set(c.getBean(Dispatcher.class));
      dispatcherRunning.set(c.getBean(DispatcherLifecycle.class).isRunning());
      throw new IllegalStateException("the port is in use");
    }

    @Override
    public void stop() {}

    @Override
    public boolean isRunning() {
      return false;
    }

    @Override
    public int getPhase() {
      return DEFAULT_PHASE - 2048;
    }
  }

  @Test
  void theDispatcherRunsBeforeTheWebServerStartsAndAFailedStartClosesIt() {
    java.util.concurrent.atomic.AtomicReference<Dispatcher> seen =
        new java.util.concurrent.atomic.AtomicReference<>();
    AtomicBoolean runningFirst = new AtomicBoolean();
    runner
        .withBean(FailingServer.class, () -> new FailingServer(seen, runningFirst))
        .run(context -> assertNotNull(context.getStartupFailure()));
    assertTrue(runningFirst.get(), "the dispatcher was running when the server started");
    IllegalStateException closed =
        assertThrows(IllegalStateException.class, () -> seen.get().publish(Webhooks.event()));
    assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
  }

  @Test
  void aContextStoppedAndStartedAgainDoesNotFailToStart() {
    runner.run(
        context -> {
          context.stop();
          org.junit.jupiter.api.Assertions.assertDoesNotThrow(context::start);
          assertFalse(context.getBean(DispatcherLifecycle.class).isRunning());
        });
  }

  @Test
  void twoDispatchersOfTheApplicationsOwnDoNotFailStartup() {
    InMemoryStore a = new InMemoryStore();
    InMemoryStore b = new InMemoryStore();
    runner
        .withBean("storeA", Store.class, () -> a)
        .withBean("storeB", Store.class, () -> b)
        .withBean(
            "dispatcherA",
            Dispatcher.class,
            () -> Dispatcher.builder().registry(WebhookRegistry.builder().store(a).build()).build())
        .withBean(
            "dispatcherB",
            Dispatcher.class,
            () -> Dispatcher.builder().registry(WebhookRegistry.builder().store(b).build()).build())
        .run(
            context -> {
              assertEquals(null, context.getStartupFailure());
              assertEquals(2, context.getBeansOfType(Dispatcher.class).size());
              assertTrue(context.getBeansOfType(DispatcherLifecycle.class).isEmpty());
            });
  }

  @Test
  void twoDispatchersOfTheApplicationsOwnDoNotFailStartupBesideMicrometerAndOpenTelemetry() {
    InMemoryStore a = new InMemoryStore();
    InMemoryStore b = new InMemoryStore();
    runner
        .withBean(ObservationRegistry.class, ObservationRegistry::create)
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withBean(OpenTelemetry.class, OpenTelemetry::noop)
        .withBean("storeA", Store.class, () -> a)
        .withBean("storeB", Store.class, () -> b)
        .withBean(
            "dispatcherA",
            Dispatcher.class,
            () -> Dispatcher.builder().registry(WebhookRegistry.builder().store(a).build()).build())
        .withBean(
            "dispatcherB",
            Dispatcher.class,
            () -> Dispatcher.builder().registry(WebhookRegistry.builder().store(b).build()).build())
        .run(
            context -> {
              assertEquals(null, context.getStartupFailure());
              // no dispatcher of ours to observe, nor one Dispatcher to make gauges of
              assertTrue(context.getBeansOfType(HooklineMeterBinder.class).isEmpty());
            });
  }

  @Test
  void severalDataSourcesNonePrimaryFailStartupInsteadOfFallingBackToMemory() {
    runner
        .withBean(
            "one",
            DataSource.class,
            () -> SimpleConnectionPool.forUrl("jdbc:postgresql://127.0.0.1:1/one", 1))
        .withBean(
            "two",
            DataSource.class,
            () -> SimpleConnectionPool.forUrl("jdbc:postgresql://127.0.0.1:1/two", 1))
        .run(
            context -> {
              IllegalStateException e =
                  cause(context.getStartupFailure(), IllegalStateException.class);
              assertTrue(e.getMessage().contains("several DataSource beans"), e.getMessage());
            });
  }

  @Test
  void aBadValueFromACustomizerIsNotBlamedOnTheProperty() {
    runner
        .withPropertyValues("hookline.dispatcher.workers=8")
        .withBean(DispatcherCustomizer.class, () -> b -> b.workers(0))
        .run(
            context -> {
              Throwable failure = context.getStartupFailure();
              assertNotNull(failure);
              for (Throwable t = failure; t != null; t = t.getCause()) {
                assertFalse(t instanceof InvalidConfigurationPropertyValueException, t.toString());
              }
              IllegalArgumentException e = cause(failure, IllegalArgumentException.class);
              assertTrue(e.getMessage().startsWith("workers is 0;"), e.getMessage());
            });
  }

  @Test
  void autoStartFalseBuildsTheDispatcherWithoutStartingIt() {
    runner
        .withPropertyValues("hookline.dispatcher.auto-start=false")
        .run(
            context -> {
              assertFalse(context.getBean(DispatcherLifecycle.class).isRunning());
              assertNotNull(context.getBean(Dispatcher.class));
            });
  }

  @Test
  void micrometerIsWiredWhenItsRegistriesExistAndNotOtherwise() {
    runner.run(
        context -> {
          assertTrue(context.getBeansOfType(HooklineObservations.class).isEmpty());
          assertTrue(context.getBeansOfType(HooklineMeterBinder.class).isEmpty());
        });
    ApplicationContextRunner withRegistries =
        runner
            .withBean(ObservationRegistry.class, ObservationRegistry::create)
            .withBean(MeterRegistry.class, SimpleMeterRegistry::new);
    withRegistries.run(
        context -> {
          assertNotNull(context.getBean(HooklineObservations.class));
          assertNotNull(context.getBean(HooklineMeterBinder.class));
        });
    withRegistries
        .withPropertyValues("hookline.micrometer.enabled=false")
        .run(context -> assertTrue(context.getBeansOfType(HooklineObservations.class).isEmpty()));
    withRegistries
        .withClassLoader(new FilteredClassLoader(HooklineObservations.class))
        .run(
            context -> {
              assertTrue(context.getBeansOfType(HooklineMeterBinder.class).isEmpty());
              assertNotNull(context.getBean(Dispatcher.class));
            });
  }

  @Test
  void openTelemetryIsWiredWhenItsBeanExistsAndNotOtherwise() {
    runner.run(context -> assertTrue(context.getBeansOfType(HooklineTelemetry.class).isEmpty()));
    ApplicationContextRunner withOtel = runner.withBean(OpenTelemetry.class, OpenTelemetry::noop);
    withOtel.run(
        context -> {
          assertNotNull(context.getBean(HooklineTelemetry.class));
          assertNotNull(context.getBean(dev.hookline.delivery.PublishContextCapturer.class));
        });
    withOtel
        .withPropertyValues("hookline.opentelemetry.enabled=false")
        .run(context -> assertTrue(context.getBeansOfType(HooklineTelemetry.class).isEmpty()));
    withOtel
        .withClassLoader(new FilteredClassLoader(HooklineTelemetry.class))
        .run(context -> assertNotNull(context.getBean(Dispatcher.class)));
  }

  @Test
  void thePropertiesNeverShowKeyMaterial() {
    HooklineProperties p = new HooklineProperties();
    p.getSecrets().setPrimaryKeyId("k1");
    p.getSecrets().setPrimaryKey("c2VjcmV0LWtleS1tYXRlcmlhbC0xMjM0NTY3ODkwMTI=");
    p.getSecrets().getDecryptionKeys().put("k0", "b2xkLWtleS1tYXRlcmlhbC0xMjM0NTY3ODkwMTIzNA==");
    String shown = p + " " + p.getSecrets();
    assertFalse(shown.contains("c2VjcmV0"), shown);
    assertFalse(shown.contains("b2xk"), shown);
    assertTrue(shown.contains("k1") && shown.contains("k0"), shown);
  }

  /** The first cause of the given type in the chain; fails if there is none. */
  static <T extends Throwable> T cause(Throwable failure, Class<T> type) {
    assertNotNull(failure, "startup failed");
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    throw new AssertionError("no " + type.getSimpleName() + " in " + failure, failure);
  }
}
