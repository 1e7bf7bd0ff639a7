package dev.hookline.spring;

import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.AttemptObserver;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.PublishContextCapturer;
import dev.hookline.filter.Filters;
import dev.hookline.spi.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Lazy;

/**
 * Auto-configures Hookline: a {@link Store} (PostgreSQL when hookline-store-jdbc and a DataSource
 * are present, else an in-memory store with a warning), a {@link WebhookRegistry} with the filters
 * module's compiler, and a {@link Dispatcher} that starts with the context and closes with it. The
 * observers and the Actuator beans come from {@link HooklineObservabilityAutoConfiguration}, which
 * runs after this one. Every bean backs off when the application defines its own of the same type;
 * the Store and the registry are made only when something takes them, so that none is made that
 * nothing uses (beside a registry or dispatcher of the application's own over one that is not a
 * bean). Beside a dispatcher of the application's own, the registry bean is that dispatcher's;
 * startup fails if the one dispatcher and the one registry bean are on different Stores. The {@code
 * hookline.*} properties are in {@link HooklineProperties}.
 *
 * <p>Spring creates and uses it at startup; it holds no state of its own.
 */
@AutoConfiguration(
    afterName = "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration")
@EnableConfigurationProperties(HooklineProperties.class)
// The imported configurations are implementation, read by Spring only: not API, though javac sees
// them named on a public type. Imported in this order, each Store one backs off for the one before.
@SuppressWarnings("exports")
@Import({StoreConfigurations.Jdbc.class, StoreConfigurations.InMemory.class})
public final class HooklineAutoConfiguration {
  /** The dispatcher builder's setting names, by the property that sets them. */
  private static final Map<String, String> DISPATCHER_PROPERTIES =
      Map.of(
          "workers", "hookline.dispatcher.workers",
          "perEndpointConcurrency", "hookline.dispatcher.per-endpoint-concurrency",
          "perTenantConcurrency", "hookline.dispatcher.per-tenant-concurrency",
          "pollInterval", "hookline.dispatcher.poll-interval",
          "webhookReloadInterval", "hookline.dispatcher.webhook-reload-interval",
          "shutdownTimeout", "hookline.dispatcher.shutdown-timeout");

  /** The bean names of the observers the starter makes (ObserverConfigurations). */
  private static final List<String> OWN_OBSERVERS =
      List.of("hooklineObservations", "hooklineTelemetry");

  /** Created by Spring. */
  public HooklineAutoConfiguration() {}

  // Lazy, as the Store: made when something takes it, as the starter's dispatcher does. Beside an
  // application's own Dispatcher it is that dispatcher's registry (see StarterRegistry); when that
  // registry is not a bean, the starter's Store is not made.
  @Bean
  @Lazy
  @ConditionalOnMissingBean(WebhookRegistry.class)
  @ConditionalOnSingleCandidate(Store.class)
  StarterRegistry hooklineWebhookRegistry(
      ObjectProvider<Store> store,
      HooklineProperties properties,
      ObjectProvider<WebhookRegistryCustomizer> customizers,
      ConfigurableListableBeanFactory beans) {
    return new StarterRegistry(() -> registry(store.getObject(), properties, customizers), beans);
  }

  private static WebhookRegistry registry(
      Store store,
      HooklineProperties properties,
      ObjectProvider<WebhookRegistryCustomizer> customizers) {
    WebhookRegistry.Builder builder =
        WebhookRegistry.builder()
            .store(store)
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(
                properties.isAllowInsecureLoopbackForDevelopment());
    Integer maxPerTenant = properties.getMaxWebhooksPerTenant();
    if (maxPerTenant != null) {
      try {
        builder.maxWebhooksPerTenant(maxPerTenant);
      } catch (IllegalArgumentException e) {
        InvalidConfigurationPropertyValueException named =
            new InvalidConfigurationPropertyValueException(
                "hookline.max-webhooks-per-tenant", maxPerTenant, e.getMessage());
        named.addSuppressed(e);
        throw named;
      }
    }
    customizers.orderedStream().forEach(c -> c.customize(builder));
    return builder.build();
  }

  /**
   * Fails startup when the one dispatcher and the one registry bean are on different Stores.
   * Static: a post-processor is made before the other beans, without this configuration.
   */
  @Bean
  static SameStoreCheck hooklineSameStoreCheck() {
    return new SameStoreCheck();
  }

  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnSingleCandidate(WebhookRegistry.class)
  Dispatcher hooklineDispatcher(
      WebhookRegistry registry,
      HooklineProperties properties,
      ObjectProvider<AttemptObserver> observers,
      ObjectProvider<PublishContextCapturer> publishContext,
      ObjectProvider<DispatcherCustomizer> customizers,
      BeanFactory beans) {
    HooklineProperties.Dispatcher p = properties.getDispatcher();
    Dispatcher.Builder builder = Dispatcher.builder().registry(registry);
    // Only what is set: an unset property keeps the library's default.
    Integer workers = p.getWorkers();
    if (workers != null) {
      builder.workers(workers);
    }
    Integer perEndpoint = p.getPerEndpointConcurrency();
    if (perEndpoint != null) {
      builder.perEndpointConcurrency(perEndpoint);
    }
    Integer perTenant = p.getPerTenantConcurrency();
    if (perTenant != null) {
      builder.perTenantConcurrency(perTenant);
    }
    Duration poll = p.getPollInterval();
    if (poll != null) {
      builder.pollInterval(poll);
    }
    Duration reload = p.getWebhookReloadInterval();
    if (reload != null) {
      builder.webhookReloadInterval(reload);
    }
    Duration shutdown = p.getShutdownTimeout();
    if (shutdown != null) {
      builder.shutdownTimeout(shutdown);
    }
    List<AttemptObserver> all = withoutReplaced(observers.orderedStream().toList(), beans);
    if (all.size() == 1) {
      builder.attemptObserver(all.get(0));
    } else if (all.size() > 1) {
      builder.attemptObserver(AttemptObserver.composite(all));
    }
    publishContext.ifUnique(builder::publishContext);
    customizers.orderedStream().forEach(c -> c.customize(builder));
    try {
      return builder.build();
    } catch (IllegalArgumentException e) {
      throw byProperty(e, p);
    }
  }

  /**
   * The observers without the starter's own Micrometer or OpenTelemetry one when the application
   * defines another of its class: declared as an {@code AttemptObserver} (what the dispatcher
   * takes), the application's bean is not seen by the starter's {@code @ConditionalOnMissingBean},
   * and both would observe every attempt (each recorded twice, once without the application's
   * tags).
   */
  static List<AttemptObserver> withoutReplaced(List<AttemptObserver> all, BeanFactory beans) {
    List<AttemptObserver> kept = new ArrayList<>(all);
    for (String name : OWN_OBSERVERS) {
      if (!beans.containsBean(name)) {
        continue;
      }
      Object own = beans.getBean(name);
      boolean replaced = false;
      for (AttemptObserver o : all) {
        replaced |= o != own && o.getClass() == own.getClass();
      }
      if (replaced) {
        kept.removeIf(o -> o == own);
      }
    }
    return kept;
  }

  @Bean
  @ConditionalOnMissingBean(name = "hooklineDispatcherLifecycle")
  @ConditionalOnSingleCandidate(Dispatcher.class)
  DispatcherLifecycle hooklineDispatcherLifecycle(
      Dispatcher dispatcher, HooklineProperties properties) {
    return new DispatcherLifecycle(dispatcher, properties.getDispatcher().isAutoStart());
  }

  /**
   * The builder names the setting that is out of range ("workers is 0; it must be 1 to 10000"):
   * when a property set it, the error names the property instead. A setting a customizer made is
   * reported as the builder said.
   */
  static RuntimeException byProperty(IllegalArgumentException e, HooklineProperties.Dispatcher p) {
    String message = String.valueOf(e.getMessage());
    int space = message.indexOf(' ');
    String setting = space > 0 ? message.substring(0, space) : message;
    String property = DISPATCHER_PROPERTIES.get(setting);
    Object value = property == null ? null : valueOf(setting, p);
    // Only when the value refused is the property's: a customizer may have set another. The
    // builder writes a period as people do (0s, 2h), not as Duration.toString() (PT0S, PT2H).
    if (property == null
        || value == null
        || !message.startsWith(setting + " is " + shown(value) + ";")) {
      return e;
    }
    InvalidConfigurationPropertyValueException named =
        new InvalidConfigurationPropertyValueException(property, value, message);
    named.addSuppressed(e); // it takes no cause: its constructor sets none
    return named;
  }

  /**
   * A value as the builder's message shows it: a period as {@code Dispatcher.Builder} writes it.
   */
  static String shown(Object value) {
    if (!(value instanceof Duration d)) {
      return String.valueOf(value);
    }
    if (d.isZero()) {
      return "0s";
    }
    if (d.isNegative()) {
      return d.toString(); // the builder keeps a negative period's exact form
    }
    StringBuilder out = new StringBuilder();
    part(out, d.toDaysPart(), "d");
    part(out, d.toHoursPart(), "h");
    part(out, d.toMinutesPart(), "m");
    part(out, d.toSecondsPart(), "s");
    part(out, d.toMillisPart(), "ms");
    part(out, d.toNanosPart() % 1_000_000, "ns");
    return out.toString();
  }

  private static void part(StringBuilder out, long amount, String unit) {
    if (amount != 0) {
      out.append(amount).append(unit);
    }
  }

  private static @Nullable Object valueOf(String setting, HooklineProperties.Dispatcher p) {
    return switch (setting) {
      case "workers" -> p.getWorkers();
      case "perEndpointConcurrency" -> p.getPerEndpointConcurrency();
      case "perTenantConcurrency" -> p.getPerTenantConcurrency();
      case "pollInterval" -> p.getPollInterval();
      case "webhookReloadInterval" -> p.getWebhookReloadInterval();
      case "shutdownTimeout" -> p.getShutdownTimeout();
      default -> null;
    };
  }
}
