package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.tenantWebhook;
import static dev.hookline.store.jdbc.Fixtures.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Webhook;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A webhook row whose secrets decrypt but whose other columns this library cannot read back (a
 * signing secret's time edited by hand or written by another tool) made {@code Rows.webhook} throw
 * a {@code DateTimeParseException} that only a secret's failure was caught beside: every {@code
 * listWebhooks()}, and with it every dispatcher's build and reload, failed for one row, as a row
 * whose secret did not decrypt once did. Such a row is now left out of the lists in the same way,
 * with an ERROR naming the webhook and its tenant (never the row's values), and {@code findWebhook}
 * of it fails with a {@link StoreException} naming it.
 */
class MalformedWebhookRowReviewTest {
  private static final String SCHEMA = "malformed_webhook";
  private static final SimpleConnectionPool DS =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 4);
  private static PostgresStore store;

  @BeforeAll
  static void setUp() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    store = EmbeddedDb.store(DS, SCHEMA);
    store.insertWebhook(webhook("wh_ok", T0));
    store.insertWebhook(tenantWebhook("wh_bad", "acme", T0.plusSeconds(1)));
    store.insertWebhook(tenantWebhook("wh_fine", "acme", T0.plusSeconds(2)));
    EmbeddedDb.execute(
        DS,
        "UPDATE \""
            + SCHEMA
            + "\".webhooks SET signing_secrets = jsonb_set(signing_secrets, '{0,created_at}',"
            + " '\"value-marker-77\"') WHERE id = 'wh_bad'");
  }

  @AfterAll
  static void cleanUp() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    DS.close();
  }

  @Test
  void theListsLeaveTheRowOutAndServeTheRest() {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream originalErr = System.err;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      assertEquals(List.of("wh_ok", "wh_fine"), ids(store.listWebhooks()));
      assertEquals(List.of("wh_fine"), ids(store.listWebhooks("acme")));
    } finally {
      System.setErr(originalErr);
    }
    String logs = captured.toString(StandardCharsets.UTF_8);
    assertTrue(logs.contains("ERROR"), logs);
    assertTrue(logs.contains("wh_bad"), logs);
    assertTrue(logs.contains("acme"), logs);
    assertFalse(logs.contains("value-marker-77"), "the row's values in the log: " + logs);
  }

  @Test
  void findingTheRowFailsNamingIt() {
    StoreException e = assertThrows(StoreException.class, () -> store.findWebhook("wh_bad"));
    assertEquals(StoreException.Reason.FAILED, e.reason());
    assertTrue(e.getMessage().contains("wh_bad"), e::getMessage);
    assertFalse(e.getMessage().contains("value-marker-77"), e::getMessage);
    assertEquals("wh_fine", store.findWebhook("wh_fine").orElseThrow().id());
  }

  private static List<String> ids(List<Webhook> ws) {
    return ws.stream().map(Webhook::id).toList();
  }
}
