package dev.hookline.delivery;

import dev.hookline.spi.Store;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/** A Store for tests that sees, delays or fails calls on their way to a real one. */
final class StoreSpy {
  private StoreSpy() {}

  /** What runs before each call: it may count, wait, or throw to fail the call. */
  @FunctionalInterface
  interface Before {
    void call(String method, Object[] args) throws Throwable;
  }

  /**
   * Returns a Store that runs {@code before} ahead of every call and then passes the call to {@code
   * real}, rethrowing what {@code real} throws as it is.
   */
  static Store around(Store real, Before before) {
    return (Store)
        Proxy.newProxyInstance(
            Store.class.getClassLoader(),
            new Class<?>[] {Store.class},
            (proxy, method, args) -> {
              before.call(method.getName(), args == null ? new Object[0] : args);
              try {
                return method.invoke(real, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }
}
