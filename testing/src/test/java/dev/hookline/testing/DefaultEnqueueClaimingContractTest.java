package dev.hookline.testing;

import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * A Store that keeps {@link Store#enqueueClaiming}'s default (enqueue, claim nothing) meets the
 * contract too: only the abstract methods reach the in-memory store.
 */
class DefaultEnqueueClaimingContractTest extends StoreContract {
  @Override
  protected Store createStore() {
    InMemoryStore target = new InMemoryStore();
    return (Store)
        Proxy.newProxyInstance(
            Store.class.getClassLoader(),
            new Class<?>[] {Store.class},
            (proxy, method, args) -> {
              if (method.isDefault() && method.getName().equals("enqueueClaiming")) {
                return InvocationHandler.invokeDefault(proxy, method, args);
              }
              try {
                return method.invoke(target, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }
}
