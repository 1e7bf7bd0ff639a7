package dev.hookline.spring;

import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.internal.access.DispatcherAccess;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;

/**
 * Fails startup when the one {@code Dispatcher} bean and the one {@code WebhookRegistry} bean (or
 * the {@code @Primary} ones) are on different Stores: what the admin API, the observers or the
 * application create through the registry bean would never be delivered by that dispatcher, and
 * nothing else would say so. Checked as each of the two is made, once the other is. A dispatcher
 * over another registry on the same Store passes: it sees what that registry changes as it sees
 * another instance's changes.
 *
 * <p>Spring calls it from the threads that make beans; it keeps no state but the bean factory.
 */
final class SameStoreCheck implements BeanPostProcessor, BeanFactoryAware {
  private volatile @Nullable ConfigurableListableBeanFactory beans;

  @Override
  public void setBeanFactory(BeanFactory beanFactory) {
    if (beanFactory instanceof ConfigurableListableBeanFactory c) {
      beans = c;
    }
  }

  @Override
  public Object postProcessAfterInitialization(Object bean, String name) {
    ConfigurableListableBeanFactory b = beans;
    if (b != null && (bean instanceof Dispatcher || bean instanceof WebhookRegistry)) {
      check(b, bean, name);
    }
    return bean;
  }

  /**
   * The name of the one bean of the type, or of the one {@code @Primary} among several, as {@code
   * ConditionalOnSingleCandidate} picks it; null if there is none or no one.
   */
  static @Nullable String theOne(ConfigurableListableBeanFactory beans, Class<?> type) {
    String[] names = beans.getBeanNamesForType(type, true, false);
    if (names.length == 1) {
      return names[0];
    }
    String primary = null;
    for (String n : names) {
      if (beans.containsBeanDefinition(n) && beans.getBeanDefinition(n).isPrimary()) {
        if (primary != null) {
          return null;
        }
        primary = n;
      }
    }
    return primary;
  }

  private static void check(ConfigurableListableBeanFactory beans, Object bean, String name) {
    String dispatcherName = theOne(beans, Dispatcher.class);
    String registryName = theOne(beans, WebhookRegistry.class);
    if (dispatcherName == null || registryName == null) {
      return;
    }
    Dispatcher dispatcher =
        name.equals(dispatcherName) && bean instanceof Dispatcher d
            ? d
            : made(beans, dispatcherName, Dispatcher.class);
    WebhookRegistry registry =
        name.equals(registryName) && bean instanceof WebhookRegistry r
            ? r
            : made(beans, registryName, WebhookRegistry.class);
    if (dispatcher == null || registry == null) {
      return; // checked when the other is made
    }
    WebhookRegistry dispatchers = DispatcherAccess.registry(dispatcher);
    if (dispatchers == registry
        || DispatcherAccess.store(dispatchers) == DispatcherAccess.store(registry)) {
      return;
    }
    String fix =
        " Webhooks created through the registry bean (by the admin API or the application) would"
            + " never be delivered by that dispatcher. Build the Dispatcher over the WebhookRegistry"
            + " bean (@Bean Dispatcher dispatcher(WebhookRegistry registry)), or ";
    if (beans.getSingleton(registryName) instanceof StarterRegistry) {
      throw new IllegalStateException(
          "Hookline's Dispatcher bean '"
              + dispatcherName
              + "' is built over a WebhookRegistry that is not a bean, on another Store than the"
              + " WebhookRegistry bean '"
              + registryName
              + "', which the starter built over the Store bean because something took it while"
              + " the dispatcher was being made (the dispatcher, or a bean it takes such as an"
              + " AttemptObserver: the starter's Micrometer and OpenTelemetry observers take the"
              + " registry)."
              + fix
              + "define the registry it uses as the WebhookRegistry bean.");
    }
    throw new IllegalStateException(
        "Hookline's Dispatcher bean '"
            + dispatcherName
            + "' and WebhookRegistry bean '"
            + registryName
            + "' are on different Stores: the dispatcher is built over another registry, over a"
            + " Store ("
            + DispatcherAccess.store(dispatchers).getClass().getSimpleName()
            + ") that is not the registry bean's ("
            + DispatcherAccess.store(registry).getClass().getSimpleName()
            + ")."
            + fix
            + "build both over one Store bean.");
  }

  /**
   * The bean if it is made; for the starter's registry, the one it built over the Store bean (the
   * one it took from the dispatcher is that dispatcher's).
   */
  private static <T> @Nullable T made(
      ConfigurableListableBeanFactory beans, String name, Class<T> type) {
    if (beans.isCurrentlyInCreation(name) || !beans.containsSingleton(name)) {
      return null;
    }
    Object made = beans.getSingleton(name);
    if (made instanceof StarterRegistry starters) {
      made = starters.built();
    }
    return type.isInstance(made) ? type.cast(made) : null;
  }

  @Override
  public String toString() {
    return "SameStoreCheck";
  }
}
