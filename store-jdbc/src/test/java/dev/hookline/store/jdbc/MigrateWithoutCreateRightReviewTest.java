package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;

import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Review r152: a deployment whose runtime role may read and write the store's tables but not create
 * in its schema (the migrations applied by another role, as least privilege asks) could not build a
 * store with the default {@code migrateSchema(true)}, even with the schema up to date: {@code
 * CREATE TABLE IF NOT EXISTS schema_version} checks the right to create before it finds the table
 * there. Only what is missing is created now.
 */
class MigrateWithoutCreateRightReviewTest {
  private static final String SCHEMA = "no_create_review";
  private static final String ROLE = "hookline_no_create_review";
  private static final DataSource DS = EmbeddedDb.dataSource();

  /** The embedded database's connections, each acting as the role that may not create. */
  private static final DataSource AS_ROLE = EmbeddedDb.eachConnectionRuns(DS, "SET ROLE " + ROLE);

  @BeforeAll
  static void createSchemaAndRole() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    EmbeddedDb.store(DS, SCHEMA); // migrated by the superuser
    EmbeddedDb.execute(DS, "DROP ROLE IF EXISTS " + ROLE);
    EmbeddedDb.execute(DS, "CREATE ROLE " + ROLE + " NOLOGIN");
    EmbeddedDb.execute(DS, "GRANT USAGE ON SCHEMA " + SCHEMA + " TO " + ROLE);
    EmbeddedDb.execute(
        DS,
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + SCHEMA + " TO " + ROLE);
    EmbeddedDb.execute(
        DS, "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA " + SCHEMA + " TO " + ROLE);
  }

  @AfterAll
  static void dropSchemaAndRole() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    EmbeddedDb.execute(DS, "DROP ROLE IF EXISTS " + ROLE);
  }

  @Test
  void anUpToDateSchemaBuildsWithTheDefaultsForARoleThatMayNotCreate() {
    PostgresStore store =
        PostgresStore.builder(AS_ROLE).schema(SCHEMA).secretCipher(EmbeddedDb.cipher()).build();
    store.insertWebhook(Fixtures.webhook("wh_no_create", T0));
    assertEquals(1, store.listWebhooks().size());
  }
}
