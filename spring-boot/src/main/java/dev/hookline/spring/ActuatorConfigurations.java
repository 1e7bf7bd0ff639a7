package dev.hookline.spring;

import dev.hookline.delivery.Dispatcher;
import dev.hookline.spi.Store;
import java.time.Duration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The Spring Boot Actuator beans, imported by {@link HooklineObservabilityAutoConfiguration} when
 * Actuator is on the class path; the starter does not bring it.
 */
final class ActuatorConfigurations {
  private static final Duration MIN_TIMEOUT = Duration.ofMillis(1);
  private static final Duration MAX_TIMEOUT = Duration.ofMinutes(1);

  private ActuatorConfigurations() {}

  /**
   * The {@code hookline} health indicator, unless {@code management.health.hookline.enabled=false}.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(
      name = {
        "org.springframework.boot.actuate.health.HealthIndicator",
        "org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator"
      })
  static class Health {
    @Bean
    @ConditionalOnEnabledHealthIndicator("hookline")
    @ConditionalOnMissingBean(name = "hooklineHealthIndicator")
    @ConditionalOnSingleCandidate(Store.class)
    HooklineHealthIndicator hooklineHealthIndicator(
        ObjectProvider<Store> store,
        ObjectProvider<Dispatcher> dispatcher,
        ObjectProvider<DispatcherLifecycle> lifecycle,
        HooklineProperties properties,
        ConfigurableListableBeanFactory beans) {
      Duration timeout = properties.getHealth().getStoreTimeout();
      if (timeout.compareTo(MIN_TIMEOUT) < 0 || timeout.compareTo(MAX_TIMEOUT) > 0) {
        throw new InvalidConfigurationPropertyValueException(
            "hookline.health.store-timeout", timeout, "it must be 1ms to 1m");
      }
      // Not the Store bean as such: the starter's, unless something uses it, would be made here
      // only to be checked, and report on a Store that has none of the webhooks.
      return new HooklineHealthIndicator(
          StoreConfigurations.inUse(store, dispatcher, beans),
          dispatcher.getIfUnique(),
          lifecycle.getIfUnique(),
          timeout);
    }
  }

  /**
   * Hides the {@code hookline.secrets.*} keys in {@code /actuator/env} and {@code
   * /actuator/configprops} even where their values are shown ({@code show-values} {@code always} or
   * {@code when-authorized}): Spring Boot 3 sanitizes no key by name on its own. Also every value,
   * under any name, that holds one of the keys as bound.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.SanitizingFunction")
  static class Sanitizing {
    @Bean
    @ConditionalOnMissingBean(name = "hooklineSanitizingFunction")
    SanitizingFunction hooklineSanitizingFunction(ObjectProvider<HooklineProperties> properties) {
      // By name, and by value: a copy of a key in SPRING_APPLICATION_JSON (which the starter's
      // failure analysis suggests for decryption keys) or on the command line (sun.java.command),
      // and any value that holds a key as bound: the variable a placeholder such as
      // hookline.secrets.primary-key=${APP_AES_KEY} reads, which names no hookline.secrets.
      return data -> {
        if (SecretProperties.isSecret(data.getKey())
            || SecretProperties.mayCopyKeys(data.getValue())) {
          return data.withSanitizedValue();
        }
        HooklineProperties p = properties.getIfUnique();
        return SecretProperties.holdsKey(data.getValue(), p == null ? null : p.getSecrets())
            ? data.withSanitizedValue()
            : data;
      };
    }
  }
}
