package dev.hookline.admin.store;

import dev.hookline.admin.spi.AdminStore;

class InMemoryAdminStoreTest extends AdminStoreContract {
  @Override
  protected AdminStore store() {
    return new InMemoryAdminStore();
  }
}
