package dev.hookline.spring;

import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.internal.access.DispatcherAccess;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.FactoryBean;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;

/**
 * Makes the starter's {@code WebhookRegistry} bean. Beside a {@code Dispatcher} of the
 * application's own (the one Dispatcher bean, or the {@code @Primary} one) it is that dispatcher's
 * registry, whatever it was built over, so that what takes the registry bean (the admin API, the
 * observers, the application) works on the webhooks the dispatcher delivers. It is built over the
 * Store bean for the starter's dispatcher, when there is no one dispatcher, and when the
 * application's dispatcher is being made (it, or a bean it takes, took the registry bean: built
 * over that, it gets this one). {@link SameStoreCheck} fails startup if that dispatcher turns out
 * to be built over another registry on another Store.
 *
 * <p>A factory rather than a {@code @Bean} method: the dispatcher is made while the registry bean
 * is being asked for, and may itself ask for it, which Spring refuses of a bean method in progress.
 *
 * <p>Spring calls it from one thread at a time for a singleton's object.
 */
final class StarterRegistry implements FactoryBean<WebhookRegistry> {
  /** The name of the starter's dispatcher bean. */
  static final String STARTER_DISPATCHER = "hooklineDispatcher";

  private final Supplier<WebhookRegistry> overStore;
  private final ConfigurableListableBeanFactory beans;

  /** The registry this built over the Store bean, once it has. */
  private volatile @Nullable WebhookRegistry built;

  StarterRegistry(Supplier<WebhookRegistry> overStore, ConfigurableListableBeanFactory beans) {
    this.overStore = overStore;
    this.beans = beans;
  }

  @Override
  public WebhookRegistry getObject() {
    String own = SameStoreCheck.theOne(beans, Dispatcher.class);
    if (own == null || own.equals(STARTER_DISPATCHER) || beans.isCurrentlyInCreation(own)) {
      WebhookRegistry r = overStore.get();
      built = r;
      return r;
    }
    // If the dispatcher takes the registry bean, it asks for it here and gets one built over the
    // Store (it is in creation then), which is then its registry.
    return DispatcherAccess.registry(beans.getBean(own, Dispatcher.class));
  }

  @Override
  public Class<?> getObjectType() {
    return WebhookRegistry.class;
  }

  /** The registry this built over the Store bean; null if it built none (yet). */
  @Nullable WebhookRegistry built() {
    return built;
  }

  @Override
  public String toString() {
    return "StarterRegistry[built=" + (built != null) + "]";
  }
}
