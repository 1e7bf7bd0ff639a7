package dev.hookline.testing;

import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;

/** The in-memory store meets the Store contract. */
class InMemoryStoreTest extends StoreContract {
  @Override
  protected Store createStore() {
    return new InMemoryStore();
  }
}
