package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A transactional publish through a connection to another database than the store's (the
 * application's own database, while Hookline's tables live in another one on the same server): the
 * error says so, instead of suggesting the store's tables are missing or were changed outside its
 * migrations.
 */
class OtherDatabaseConnectionReviewTest {
  private static final String SCHEMA = "other_db_review";
  private static final DataSource DS = EmbeddedDb.dataSource();

  @BeforeAll
  static void setUp() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    EmbeddedDb.execute(DS, "DROP DATABASE IF EXISTS other_app");
    EmbeddedDb.execute(DS, "CREATE DATABASE other_app");
  }

  @AfterAll
  static void tearDown() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    EmbeddedDb.execute(DS, "DROP DATABASE IF EXISTS other_app");
  }

  @Test
  void aCallersConnectionToAnotherDatabaseIsRefusedSayingSo() throws Exception {
    PostgresStore store = EmbeddedDb.store(DS, SCHEMA);
    store.insertWebhook(Fixtures.webhook("wh_a", T0));
    DataSource app = EmbeddedDb.server().getDatabase("postgres", "other_app");
    try (Connection c = app.getConnection()) {
      c.setAutoCommit(false);
      StoreException e =
          assertThrows(
              StoreException.class,
              () -> store.enqueue(c, List.of(Fixtures.pending("dlv_1", "wh_a", "evt_1", T0))));
      c.rollback();
      assertEquals("42P01", e.sqlState().orElse(""), e.getMessage());
      String message = e.getMessage().toLowerCase(Locale.ROOT);
      assertTrue(
          message.contains("database this store"),
          "names the likely cause, a connection to another database: " + e.getMessage());
    }
    assertTrue(store.findDelivery("dlv_1").isEmpty());
  }
}
