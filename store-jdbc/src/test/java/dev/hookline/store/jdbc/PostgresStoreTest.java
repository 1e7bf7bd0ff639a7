package dev.hookline.store.jdbc;

import dev.hookline.spi.Store;
import dev.hookline.testing.StoreContract;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The PostgreSQL store meets the Store contract, against a real (embedded) PostgreSQL. */
class PostgresStoreTest extends StoreContract {
  private static final String SCHEMA = "contract";
  private static final SimpleConnectionPool DS =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 10);

  @BeforeAll
  static void createSchema() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    EmbeddedDb.store(DS, SCHEMA);
  }

  @AfterAll
  static void dropSchema() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    DS.close();
  }

  @Override
  protected Store createStore() {
    EmbeddedDb.truncate(DS, SCHEMA);
    return EmbeddedDb.store(DS, SCHEMA);
  }
}
