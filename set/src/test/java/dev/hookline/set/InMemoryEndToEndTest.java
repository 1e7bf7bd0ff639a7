package dev.hookline.set;

import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;

/** The SET end-to-end run on the in-memory store. */
class InMemoryEndToEndTest extends EndToEndContract {
  @Override
  protected Store store() {
    return new InMemoryStore();
  }
}
