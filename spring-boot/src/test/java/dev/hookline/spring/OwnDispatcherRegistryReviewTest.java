package dev.hookline.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hookline.Webhook;
import dev.hookline.WebhookRegistry;
import dev.hookline.admin.AdminApi;
import dev.hookline.admin.AdminRequest;
import dev.hookline.admin.AdminResponse;
import dev.hookline.admin.Scope;
import dev.hookline.delivery.AttemptObserver;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.LoopbackSink;
import dev.hookline.testing.Poll;
import dev.hookline.testing.TestWebhooks;
import io.opentelemetry.api.OpenTelemetry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Review r141: beside a {@code Dispatcher} of the application's own built over a {@code
 * WebhookRegistry} that is not a bean, whatever took the {@code WebhookRegistry} bean (the admin
 * API, the observers, the application's code) got one the starter built over another Store: the
 * webhooks created through it were never delivered, silently. That bean is now the dispatcher's
 * registry; where it cannot be (something the dispatcher takes took it while the dispatcher was
 * made), and where the application's own registry bean and dispatcher are on different Stores,
 * startup fails saying which beans and what to do.
 */
class OwnDispatcherRegistryReviewTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  HooklineAutoConfiguration.class, HooklineObservabilityAutoConfiguration.class))
          .withPropertyValues(
              "hookline.dispatcher.auto-start=false",
              "hookline.allow-insecure-loopback-for-development=true");

  @Test
  void theRegistryBeanBesideAnOwnDispatcherOverARegistryThatIsNoBeanIsTheDispatchers() {
    runner
        .withUserConfiguration(OwnDispatcher.class)
        .run(
            context -> {
              assertNull(context.getStartupFailure());
              assertSameStore(context);
              assertFalse(
                  context.getBeanFactory().containsSingleton("hooklineStore"),
                  "the starter made a Store beside the dispatcher's");
            });
  }

  @Test
  void soItIsWhenABeanTakesTheRegistryBeforeTheDispatcherIsMade() {
    // The application's bean is registered, and so made, before the dispatcher.
    runner
        .withUserConfiguration(RegistryUser.class, OwnDispatcher.class)
        .run(
            context -> {
              assertNull(context.getStartupFailure());
              assertSame(
                  context.getBean(WebhookRegistry.class),
                  context.getBean(RegistryUser.class).registry);
              assertSameStore(context);
            });
  }

  @Test
  void anOwnDispatcherOverTheRegistryBeanStillGetsItWhicheverIsMadeFirst() {
    for (Class<?>[] order :
        List.of(
            new Class<?>[] {
              RegistryUser.class, OwnRegistryStoreReviewTest.OwnDispatcherOverRegistryBean.class
            },
            new Class<?>[] {
              OwnRegistryStoreReviewTest.OwnDispatcherOverRegistryBean.class, RegistryUser.class
            })) {
      runner
          .withUserConfiguration(order)
          .run(
              context -> {
                assertNull(context.getStartupFailure());
                assertTrue(context.getBeanFactory().containsSingleton("hooklineStore"));
                assertSameStore(context);
              });
    }
  }

  @Test
  void aWebhookCreatedThroughTheAdminApiIsDeliveredByTheOwnDispatcher() throws Exception {
    try (LoopbackSink sink = LoopbackSink.recording()) {
      new WebApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  HooklineAutoConfiguration.class, HooklineAdminAutoConfiguration.class))
          .withPropertyValues(
              "hookline.admin.enabled=true",
              "hookline.allow-insecure-loopback-for-development=true")
          .withUserConfiguration(OwnDispatcher.class)
          .run(
              context -> {
                assertNull(context.getStartupFailure());
                AdminApi api = context.getBean(AdminApi.class);
                String id = createThroughAdminApi(api, sink.uri("/hooks"));
                WebhookRegistry registry = context.getBean(WebhookRegistry.class);
                TestWebhooks.markVerified(registry, id);
                registry.enable(id);

                Dispatcher dispatcher = context.getBean(Dispatcher.class);
                assertEquals(
                    List.of(id),
                    dispatcher.publish(Webhooks.event()).webhookIds(),
                    "the dispatcher does not know the webhook the admin API created");
                Poll.until(WAIT, () -> sink.total() == 1, "the delivery reaches the endpoint");
              });
    }
  }

  @Test
  void anOwnDispatcherOverAnotherRegistryThatTakesTheObserverOfTheRegistryBeanFailsStartup() {
    // The starter's OpenTelemetry observer takes the WebhookRegistry bean while the dispatcher,
    // which takes the observer, is being made: its registry cannot be the dispatcher's.
    runner
        .withBean(OpenTelemetry.class, OpenTelemetry::noop)
        .withUserConfiguration(OwnDispatcherTakingObservers.class)
        .run(
            context -> {
              Throwable failure = context.getStartupFailure();
              assertNotNull(failure, "started with the observer on another Store");
              String message = rootMessage(failure);
              assertTrue(message.contains("'ownDispatcher'"), message);
              assertTrue(message.contains("'hooklineWebhookRegistry'"), message);
              assertTrue(message.contains("@Bean Dispatcher dispatcher(WebhookRegistry"), message);
            });
  }

  @Test
  void anOwnDispatcherAndAnOwnRegistryBeanOnDifferentStoresFailStartup() {
    for (Class<?>[] order :
        List.of(
            new Class<?>[] {OwnRegistryStoreReviewTest.OwnRegistry.class, OwnDispatcher.class},
            new Class<?>[] {OwnDispatcher.class, OwnRegistryStoreReviewTest.OwnRegistry.class})) {
      runner
          .withUserConfiguration(order)
          .run(
              context -> {
                Throwable failure = context.getStartupFailure();
                assertNotNull(failure, "started with the registry bean on another Store");
                String message = rootMessage(failure);
                assertTrue(message.contains("'ownDispatcher'"), message);
                assertTrue(message.contains("'ownRegistry'"), message);
                assertTrue(message.contains("different Stores"), message);
              });
    }
  }

  @Test
  void anOwnDispatcherAndAnOwnRegistryBeanOnOneStoreStart() {
    runner
        .withUserConfiguration(
            OwnRegistryStoreReviewTest.OwnStore.class,
            OwnRegistryStoreReviewTest.OwnRegistryOverStoreBean.class,
            OwnDispatcherOverStore.class)
        .run(
            context -> {
              assertNull(context.getStartupFailure());
              assertSameStore(context);
            });
  }

  /**
   * Creates a webhook through the WebhookRegistry bean and publishes through the Dispatcher bean:
   * the dispatcher finds the webhook only in the same Store.
   */
  private static void assertSameStore(AssertableApplicationContext context) {
    Webhook w = Webhooks.receiving(context.getBean(WebhookRegistry.class), "http://127.0.0.1:9/h");
    Dispatcher dispatcher = context.getBean(Dispatcher.class);
    dispatcher.reloadWebhooks();
    assertEquals(
        List.of(w.id()),
        dispatcher.publish(Webhooks.event()).webhookIds(),
        "the dispatcher is on another Store than the registry bean");
  }

  private static String createThroughAdminApi(AdminApi api, String uri) throws Exception {
    String token =
        api.issueToken(
                "r141",
                Optional.empty(),
                EnumSet.of(Scope.WEBHOOKS_READ, Scope.WEBHOOKS_WRITE),
                Optional.empty())
            .token()
            .reveal();
    String body =
        "{\"name\":\"r141\",\"uri\":\""
            + uri
            + "\",\"api_key\":\"a-long-random-api-key-123\","
            + "\"subscribed_events\":[\"user.created\"]}";
    AdminResponse created =
        api.handle(
            AdminRequest.builder("POST", api.basePath() + "/webhooks")
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .body(body.getBytes(StandardCharsets.UTF_8))
                .remoteAddress("127.0.0.1")
                .build());
    assertEquals(201, created.status(), created::bodyText);
    return new ObjectMapper().readTree(created.body()).get("id").asText();
  }

  private static String rootMessage(Throwable failure) {
    Throwable t = failure;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return String.valueOf(t.getMessage());
  }

  /** A dispatcher over a registry that is not a bean, over a Store that is not one either. */
  @Configuration(proxyBeanMethods = false)
  static class OwnDispatcher {
    @Bean
    Dispatcher ownDispatcher() {
      return Dispatcher.builder()
          .registry(
              WebhookRegistry.builder()
                  .store(new InMemoryStore())
                  .allowInsecureLoopbackForDevelopment(true)
                  .build())
          .pollInterval(Duration.ofMillis(50))
          .build();
    }
  }

  /** As {@link OwnDispatcher}, with the observers as the starter's dispatcher takes them. */
  @Configuration(proxyBeanMethods = false)
  static class OwnDispatcherTakingObservers {
    @Bean
    Dispatcher ownDispatcher(ObjectProvider<AttemptObserver> observers) {
      Dispatcher.Builder builder =
          Dispatcher.builder()
              .registry(WebhookRegistry.builder().store(new InMemoryStore()).build());
      List<AttemptObserver> all = observers.orderedStream().toList();
      if (!all.isEmpty()) {
        builder.attemptObserver(AttemptObserver.composite(all));
      }
      return builder.build();
    }
  }

  /** An application's bean that takes the WebhookRegistry bean. */
  @Configuration(proxyBeanMethods = false)
  static class RegistryUser {
    final WebhookRegistry registry;

    RegistryUser(WebhookRegistry registry) {
      this.registry = registry;
    }
  }

  /** A dispatcher over a registry of its own (not the bean) over the Store bean. */
  @Configuration(proxyBeanMethods = false)
  static class OwnDispatcherOverStore {
    @Bean
    Dispatcher ownDispatcher(Store store) {
      return Dispatcher.builder()
          .registry(
              WebhookRegistry.builder()
                  .store(store)
                  .allowInsecureLoopbackForDevelopment(true)
                  .build())
          .build();
    }
  }
}
