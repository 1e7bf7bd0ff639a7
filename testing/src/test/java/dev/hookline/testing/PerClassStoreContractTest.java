package dev.hookline.testing;

import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import org.junit.jupiter.api.TestInstance;

/**
 * The contract run with one instance for all its tests, as a subclass gets when it starts its
 * database in a non-static {@code @BeforeAll}: each test still starts at {@link #T0}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PerClassStoreContractTest extends StoreContract {
  @Override
  protected Store createStore() {
    return new InMemoryStore();
  }
}
