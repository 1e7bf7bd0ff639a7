package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.pending;
import static dev.hookline.store.jdbc.Fixtures.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.Webhook;
import dev.hookline.WebhookFormat;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Built-in versioned migrations: created once, safe when instances start together. */
class MigrationsTest {
  private static final SimpleConnectionPool DS =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 8);
  private static final List<String> SCHEMAS =
      List.of(
          "mig_a",
          "mig_b",
          "mig_race",
          "mig_new",
          "mig_v1",
          "mig_v2",
          "mig_v3",
          "mig_v3_ctx",
          "mig_v6");

  @BeforeEach
  void dropSchemas() {
    SCHEMAS.forEach(s -> EmbeddedDb.dropSchema(DS, s));
  }

  @AfterAll
  static void cleanUp() {
    SCHEMAS.forEach(s -> EmbeddedDb.dropSchema(DS, s));
    DS.close();
  }

  private static List<Integer> versions(String schema) throws SQLException {
    try (Connection c = DS.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT version FROM \"" + schema + "\".schema_version ORDER BY 1")) {
      List<Integer> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rs.getInt(1));
      }
      return out;
    }
  }

  @Test
  void aNewSchemaIsCreatedAtTheLatestVersionAndRebuildingChangesNothing() throws SQLException {
    EmbeddedDb.store(DS, "mig_a");
    assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), versions("mig_a"));
    EmbeddedDb.store(DS, "mig_a").insertWebhook(webhook("wh_a", T0));
    EmbeddedDb.store(DS, "mig_a");
    assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), versions("mig_a"));
    assertTrue(EmbeddedDb.store(DS, "mig_a").findWebhook("wh_a").isPresent());
  }

  @Test
  void instancesStartingTogetherMigrateExactlyOnce() throws Exception {
    int instances = 6;
    ExecutorService pool = Executors.newFixedThreadPool(instances);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<PostgresStore>> started = new ArrayList<>();
      for (int i = 0; i < instances; i++) {
        started.add(
            pool.submit(
                () -> {
                  start.await();
                  return EmbeddedDb.store(DS, "mig_race");
                }));
      }
      start.countDown();
      for (Future<PostgresStore> f : started) {
        f.get(60, TimeUnit.SECONDS); // every instance starts without error
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), versions("mig_race"));
  }

  @Test
  void aVersionOneSchemaIsUpgradedInPlaceKeepingItsWebhooks() {
    // A schema as release 1 left it: migration 2 (endpoint_health) not yet applied.
    EmbeddedDb.store(DS, "mig_v1").insertWebhook(webhook("wh_old", T0));
    downgradeToVersionTwo("mig_v1");
    EmbeddedDb.execute(DS, "DROP TABLE \"mig_v1\".endpoint_health");
    EmbeddedDb.execute(DS, "DELETE FROM \"mig_v1\".schema_version WHERE version = 2");
    try {
      assertEquals(List.of(1), versions("mig_v1"));
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
    PostgresStore upgraded = EmbeddedDb.store(DS, "mig_v1");
    assertTrue(upgraded.findWebhook("wh_old").isPresent());
    assertEquals(T0, upgraded.markEndpointFailing("wh_old", T0));
    assertEquals(Optional.of(T0), upgraded.endpointFailingSince("wh_old"));
  }

  /**
   * Undoes migration 7: the second per-webhook index and the foreign key from deliveries to
   * webhooks are back, as release 6 left them.
   */
  private static void downgradeToVersionSix(String schema) {
    String q = "\"" + schema + "\"";
    EmbeddedDb.execute(
        DS,
        "CREATE INDEX deliveries_webhook_created ON "
            + q
            + ".deliveries (webhook_id, created_at DESC, id DESC)");
    EmbeddedDb.execute(
        DS,
        "ALTER TABLE "
            + q
            + ".deliveries ADD CONSTRAINT deliveries_webhook_id_fkey FOREIGN KEY (webhook_id)"
            + " REFERENCES "
            + q
            + ".webhooks (id) ON DELETE CASCADE");
    EmbeddedDb.execute(DS, "DELETE FROM " + q + ".schema_version WHERE version = 7");
  }

  @Test
  void aVersionSixSchemaLosesTheSecondWebhookIndexAndTheForeignKeyKeepingItsDeliveries()
      throws SQLException {
    PostgresStore before = EmbeddedDb.store(DS, "mig_v6");
    before.insertWebhook(webhook("wh_old", T0));
    before.insertWebhook(webhook("wh_gone", T0));
    before.enqueue(
        List.of(
            pending("dlv_old", "wh_old", "evt_old", T0),
            pending("dlv_gone", "wh_gone", "evt_old", T0)));
    downgradeToVersionSix("mig_v6");
    assertEquals(List.of(1, 2, 3, 4, 5, 6), versions("mig_v6"));
    assertEquals(
        1,
        EmbeddedDb.count(
            DS,
            "SELECT count(*) FROM pg_indexes WHERE schemaname = 'mig_v6'"
                + " AND indexname = 'deliveries_webhook_created'"));

    PostgresStore upgraded = EmbeddedDb.store(DS, "mig_v6");
    assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), versions("mig_v6"));
    assertEquals(
        0,
        EmbeddedDb.count(
            DS,
            "SELECT count(*) FROM pg_indexes WHERE schemaname = 'mig_v6'"
                + " AND indexname = 'deliveries_webhook_created'"));
    assertEquals(
        0,
        EmbeddedDb.count(
            DS,
            "SELECT count(*) FROM pg_constraint WHERE conrelid ="
                + " '\"mig_v6\".deliveries'::regclass AND contype = 'f' AND confrelid ="
                + " '\"mig_v6\".webhooks'::regclass"));
    assertEquals(
        List.of("dlv_old"),
        upgraded.findDeliveries(DeliveryQuery.builder().webhook("wh_old").build()).stream()
            .map(Delivery::id)
            .toList());
    // Without the foreign key, deleting a webhook still takes its deliveries with it.
    assertTrue(upgraded.deleteWebhook("wh_gone"));
    assertTrue(upgraded.findDelivery("dlv_gone").isEmpty());
    assertTrue(upgraded.findDelivery("dlv_old").isPresent());
  }

  /**
   * Undoes migrations 7, 6 (admin tokens and audit log), 5 (publish contexts) and 4 (webhook
   * formats): the schema as release 3 left it.
   */
  private static void downgradeToVersionThree(String schema) {
    downgradeToVersionSix(schema);
    String q = "\"" + schema + "\"";
    EmbeddedDb.execute(DS, "DROP TABLE " + q + ".admin_audit");
    EmbeddedDb.execute(DS, "DROP TABLE " + q + ".admin_tokens");
    EmbeddedDb.execute(DS, "DELETE FROM " + q + ".schema_version WHERE version = 6");
    EmbeddedDb.execute(DS, "ALTER TABLE " + q + ".deliveries DROP COLUMN publish_context");
    EmbeddedDb.execute(DS, "DELETE FROM " + q + ".schema_version WHERE version = 5");
    EmbeddedDb.execute(DS, "ALTER TABLE " + q + ".webhooks DROP COLUMN format");
    EmbeddedDb.execute(DS, "ALTER TABLE " + q + ".webhooks DROP COLUMN audience");
    EmbeddedDb.execute(DS, "DELETE FROM " + q + ".schema_version WHERE version = 4");
  }

  @Test
  void aVersionThreeSchemaGainsPublishContextsKeepingItsDeliveries() throws SQLException {
    PostgresStore before = EmbeddedDb.store(DS, "mig_v3_ctx");
    before.insertWebhook(webhook("wh_old", T0));
    before.enqueue(List.of(pending("dlv_old", "wh_old", "evt_old", T0)));
    downgradeToVersionThree("mig_v3_ctx");
    assertEquals(List.of(1, 2, 3), versions("mig_v3_ctx"));

    PostgresStore upgraded = EmbeddedDb.store(DS, "mig_v3_ctx");
    assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), versions("mig_v3_ctx"));
    assertEquals(Optional.empty(), upgraded.findDelivery("dlv_old").orElseThrow().publishContext());
    String traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    upgraded.enqueue(
        List.of(
            pending("dlv_new", "wh_old", "evt_new", T0)
                .withPublishContext(Optional.of(traceparent))));
    assertEquals(
        Optional.of(traceparent), upgraded.findDelivery("dlv_new").orElseThrow().publishContext());
  }

  /** Undoes migrations 5, 4 and 3 (tenants): the schema as release 2 left it. */
  private static void downgradeToVersionTwo(String schema) {
    downgradeToVersionThree(schema);
    String q = "\"" + schema + "\"";
    EmbeddedDb.execute(DS, "ALTER TABLE " + q + ".deliveries DROP COLUMN tenant");
    EmbeddedDb.execute(DS, "ALTER TABLE " + q + ".webhooks DROP COLUMN tenant");
    EmbeddedDb.execute(DS, "DELETE FROM " + q + ".schema_version WHERE version = 3");
  }

  @Test
  void aVersionTwoSchemaGainsTenantsKeepingItsWebhooksAndDeliveries() throws SQLException {
    PostgresStore before = EmbeddedDb.store(DS, "mig_v2");
    before.insertWebhook(webhook("wh_old", T0));
    before.enqueue(List.of(pending("dlv_old", "wh_old", "evt_old", T0)));
    downgradeToVersionTwo("mig_v2");
    assertEquals(List.of(1, 2), versions("mig_v2"));

    PostgresStore upgraded = EmbeddedDb.store(DS, "mig_v2");
    assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), versions("mig_v2"));
    assertEquals(Optional.empty(), upgraded.findWebhook("wh_old").orElseThrow().tenant());
    assertTrue(upgraded.findDelivery("dlv_old").isPresent());
    assertEquals(1, upgraded.findDeliveries(DeliveryQuery.builder().build()).size());
    assertTrue(upgraded.findDeliveries(DeliveryQuery.builder().tenant("acme").build()).isEmpty());

    Webhook acme = Fixtures.tenantWebhook("wh_acme", "acme", T0);
    upgraded.insertWebhook(acme);
    upgraded.enqueue(List.of(pending("dlv_new", "wh_acme", "evt_old", T0)));
    assertEquals(List.of(acme), upgraded.listWebhooks("acme"));
    assertEquals(
        List.of("dlv_new"),
        upgraded.findDeliveries(DeliveryQuery.builder().tenant("acme").build()).stream()
            .map(Delivery::id)
            .toList());
  }

  @Test
  void aVersionThreeSchemaGainsFormatsKeepingItsWebhooksInStandardWebhooks() throws SQLException {
    PostgresStore before = EmbeddedDb.store(DS, "mig_v3");
    before.insertWebhook(webhook("wh_old", T0));
    downgradeToVersionThree("mig_v3");
    assertEquals(List.of(1, 2, 3), versions("mig_v3"));

    PostgresStore upgraded = EmbeddedDb.store(DS, "mig_v3");
    assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), versions("mig_v3"));
    Webhook old = upgraded.findWebhook("wh_old").orElseThrow();
    assertEquals(WebhookFormat.STANDARD_WEBHOOKS, old.format());
    assertEquals(Optional.empty(), old.audience());

    Webhook set =
        webhook("wh_set", T0)
            .withFormat(WebhookFormat.SECURITY_EVENT_TOKEN, Optional.of("https://rp.example"), T0);
    upgraded.insertWebhook(set);
    assertEquals(set, upgraded.findWebhook("wh_set").orElseThrow());
  }

  @Test
  void schemasKeepStoresApart() {
    PostgresStore a = EmbeddedDb.store(DS, "mig_a");
    PostgresStore b = EmbeddedDb.store(DS, "mig_b");
    a.insertWebhook(webhook("wh_a", T0));
    assertTrue(b.findWebhook("wh_a").isEmpty());
    assertEquals(1, a.listWebhooks().size());
    assertEquals("mig_a", a.schema());
  }

  @Test
  void aSchemaNewerThanThisLibraryIsRefused() {
    EmbeddedDb.store(DS, "mig_new");
    EmbeddedDb.execute(
        DS, "INSERT INTO \"mig_new\".schema_version (version, description) VALUES (99, 'future')");
    StoreException e = assertThrows(StoreException.class, () -> EmbeddedDb.store(DS, "mig_new"));
    assertEquals(StoreException.Reason.SCHEMA, e.reason());
    assertTrue(e.getMessage().contains("version 99"), e.getMessage());
    assertTrue(e.getMessage().contains("upgrade Hookline"), e.getMessage());
  }

  @Test
  void verifyOnlyModeRefusesAMissingSchemaAndAcceptsAMigratedOne() {
    StoreException e =
        assertThrows(
            StoreException.class,
            () ->
                PostgresStore.builder(DS)
                    .schema("mig_a")
                    .secretCipher(EmbeddedDb.cipher())
                    .migrateSchema(false)
                    .build());
    assertEquals(StoreException.Reason.SCHEMA, e.reason());
    assertTrue(e.getMessage().contains("at version 0"), e.getMessage());
    EmbeddedDb.store(DS, "mig_a");
    PostgresStore verified =
        PostgresStore.builder(DS)
            .schema("mig_a")
            .secretCipher(EmbeddedDb.cipher())
            .migrateSchema(false)
            .build();
    assertTrue(verified.listWebhooks().isEmpty());
  }

  @Test
  void theBuilderRefusesMissingCipherAndMalformedSchemaBeforeConnecting() {
    IllegalStateException noCipher =
        assertThrows(IllegalStateException.class, () -> PostgresStore.builder(DS).build());
    assertTrue(noCipher.getMessage().contains("secretCipher"), noCipher.getMessage());
    for (String bad : List.of("", "Hookline", "1abc", "a-b", "a\"; DROP TABLE x; --")) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> PostgresStore.builder(DS).schema(bad).secretCipher(EmbeddedDb.cipher()).build(),
              bad);
      assertTrue(e.getMessage().contains("schema"), e.getMessage());
    }
  }
}
