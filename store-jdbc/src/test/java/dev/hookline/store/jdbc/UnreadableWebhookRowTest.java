package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.API_KEY;
import static dev.hookline.store.jdbc.Fixtures.SIGNING_SECRET;
import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.tenantWebhook;
import static dev.hookline.store.jdbc.Fixtures.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Event;
import dev.hookline.SecretCipherException;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.PublishResult;
import dev.hookline.filter.Filters;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.store.jdbc.internal.Rows;
import dev.hookline.testing.LoopbackSink;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.Poll;
import dev.hookline.testing.TestWebhooks;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Review round 6: one webhook row whose stored secret fails authentication (a manual SQL edit, a
 * bit flip, a value copied from another webhook) made {@code listWebhooks()} throw, and with it
 * every dispatcher's build and every reload: one corrupt row stopped every instance and every
 * tenant. Such a row is now left out of the list (logged), and the rest is served; a value under a
 * key id the cipher does not have (a decryption key missing from the configuration) and a list in
 * which every row fails (a wrong key) still fail loudly.
 */
class UnreadableWebhookRowTest {
  private static final String SCHEMA = "unreadable_row";
  private static final SimpleConnectionPool DS =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 6);

  private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-02T10:00:00Z"));

  @BeforeEach
  void freshSchema() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
  }

  @AfterAll
  static void cleanUp() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    DS.close();
  }

  private static PostgresStore store() {
    return EmbeddedDb.store(DS, SCHEMA);
  }

  private static String column(String id, String expression) throws SQLException {
    try (Connection c = DS.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT " + expression + " FROM \"" + SCHEMA + "\".webhooks WHERE id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        assertTrue(rs.next(), id);
        return rs.getString(1);
      }
    }
  }

  private static void setColumn(String id, String assignment, String value) throws SQLException {
    try (Connection c = DS.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "UPDATE \"" + SCHEMA + "\".webhooks SET " + assignment + " WHERE id = ?")) {
      ps.setString(1, value);
      ps.setString(2, id);
      assertEquals(1, ps.executeUpdate(), id);
    }
  }

  /** One base64url character of the value's body changed: still well-formed, fails its tag. */
  private static String flipped(String ciphertext) {
    int at = ciphertext.length() - 20;
    char c = ciphertext.charAt(at);
    return ciphertext.substring(0, at) + (c == 'A' ? 'B' : 'A') + ciphertext.substring(at + 1);
  }

  /** The webhook's API key, as a bit flip leaves it: under the configured key, not authentic. */
  private static void corruptApiKey(String id) throws SQLException {
    String before = column(id, "api_key_enc");
    assertTrue(before.startsWith("v2:test-1:"), before);
    setColumn(id, "api_key_enc = ?", flipped(before));
  }

  /** The webhook's first signing secret, corrupted the same way. */
  private static void corruptSigningSecret(String id) throws SQLException {
    String before = column(id, "signing_secrets->0->>'secret_enc'");
    setColumn(
        id,
        "signing_secrets = jsonb_set(signing_secrets, '{0,secret_enc}', to_jsonb(?::text))",
        flipped(before));
  }

  /** The webhook's API key re-encrypted (correctly) under a key id the store's cipher lacks. */
  private static void underUnknownKey(String id) throws SQLException {
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) 9);
    AesGcmSecretCipher retired = AesGcmSecretCipher.builder().primaryKey("retired-9", key).build();
    URI uri = URI.create(column(id, "uri"));
    setColumn(id, "api_key_enc = ?", retired.encrypt(API_KEY, Rows.apiKeyContext(id, uri)));
  }

  private static List<String> ids(List<Webhook> webhooks) {
    return webhooks.stream().map(Webhook::id).toList();
  }

  private static void assertNoSecret(String message) {
    assertFalse(message.contains(API_KEY), message);
    assertFalse(message.contains(SIGNING_SECRET), message);
  }

  @Test
  void aRowWhoseSecretFailsAuthenticationIsLeftOutAndTheRestIsListed() throws SQLException {
    PostgresStore store = store();
    store.insertWebhook(webhook("wh_a", T0));
    store.insertWebhook(webhook("wh_b", T0.plusSeconds(1)));
    store.insertWebhook(webhook("wh_c", T0.plusSeconds(2)));
    corruptApiKey("wh_b");

    assertEquals(List.of("wh_a", "wh_c"), ids(store.listWebhooks()), "the other two are listed");

    // Asked for by id, it still fails clearly: the caller must learn it cannot be read.
    SecretCipherException e =
        assertThrows(SecretCipherException.class, () -> store.findWebhook("wh_b"));
    assertEquals(SecretCipherException.Reason.AUTHENTICATION_FAILED, e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains("'wh_b', column api_key_enc"), e.getMessage());
    assertTrue(e.getMessage().contains("'test-1'"), e.getMessage());
    assertNoSecret(e.getMessage());

    // A signing secret too, and a value that is not a ciphertext at all (malformed).
    corruptSigningSecret("wh_c");
    assertEquals(List.of("wh_a"), ids(store.listWebhooks()));
    setColumn("wh_c", "api_key_enc = ?", "not a ciphertext");
    assertEquals(List.of("wh_a"), ids(store.listWebhooks()));
    SecretCipherException malformed =
        assertThrows(SecretCipherException.class, () -> store.findWebhook("wh_c"));
    assertEquals(SecretCipherException.Reason.MALFORMED, malformed.reason());
  }

  @Test
  void aTenantsListLeavesOutItsUnreadableRowToo() throws SQLException {
    PostgresStore store = store();
    store.insertWebhook(tenantWebhook("wh_a1", "acme", T0));
    store.insertWebhook(tenantWebhook("wh_a2", "acme", T0.plusSeconds(1)));
    store.insertWebhook(tenantWebhook("wh_a3", "acme", T0.plusSeconds(2)));
    store.insertWebhook(tenantWebhook("wh_g1", "globex", T0.plusSeconds(3)));
    corruptApiKey("wh_a2");

    assertEquals(List.of("wh_a1", "wh_a3"), ids(store.listWebhooks("acme")));
    assertEquals(List.of("wh_g1"), ids(store.listWebhooks("globex")));
    assertEquals(List.of("wh_a1", "wh_a3", "wh_g1"), ids(store.listWebhooks()));
  }

  @Test
  void aValueUnderAKeyIdTheCipherLacksStillFailsTheListNamingTheKeyId() throws SQLException {
    PostgresStore store = store();
    store.insertWebhook(webhook("wh_a", T0));
    store.insertWebhook(webhook("wh_b", T0.plusSeconds(1)));
    store.insertWebhook(webhook("wh_c", T0.plusSeconds(2)));
    corruptApiKey("wh_a"); // left out, but it does not hide the configuration error behind it
    underUnknownKey("wh_c");

    SecretCipherException e = assertThrows(SecretCipherException.class, store::listWebhooks);
    assertEquals(SecretCipherException.Reason.UNKNOWN_KEY, e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains("'wh_c', column api_key_enc"), e.getMessage());
    assertTrue(e.getMessage().contains("'retired-9'"), e.getMessage());
    assertNoSecret(e.getMessage());
  }

  @Test
  void whenEveryRowFailsAuthenticationTheListStillFails() throws SQLException {
    PostgresStore store = store();
    store.insertWebhook(webhook("wh_a", T0));
    store.insertWebhook(webhook("wh_b", T0.plusSeconds(1)));
    store.insertWebhook(webhook("wh_c", T0.plusSeconds(2)));
    corruptApiKey("wh_a");
    corruptSigningSecret("wh_b");
    corruptApiKey("wh_c");

    // That is a wrong key configured under the right key id, not a corrupt row.
    SecretCipherException e = assertThrows(SecretCipherException.class, store::listWebhooks);
    assertEquals(SecretCipherException.Reason.AUTHENTICATION_FAILED, e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains("'wh_a', column api_key_enc"), e.getMessage());
    assertNoSecret(e.getMessage());
  }

  // ---- through a dispatcher ----

  private WebhookRegistry registry(PostgresStore store) {
    return WebhookRegistry.builder()
        .store(store)
        .clock(clock)
        .filterCompiler(Filters.compiler())
        .allowInsecureLoopbackForDevelopment(true)
        .build();
  }

  private static Webhook receiving(WebhookRegistry registry, String name, String uri) {
    Webhook w =
        registry.create(
            WebhookDefinition.builder()
                .name(name)
                .uri(uri)
                .apiKey(API_KEY)
                .events(UserEvents.CREATED)
                .build());
    TestWebhooks.markVerified(registry, w.id());
    return registry.enable(w.id());
  }

  private Dispatcher dispatcher(WebhookRegistry registry) {
    return Dispatcher.builder()
        .registry(registry)
        .clock(clock)
        .pollInterval(Duration.ofMillis(50))
        .shutdownTimeout(Duration.ofSeconds(2))
        .build();
  }

  @Test
  void aDispatcherBuildsAndDeliversToTheOtherWebhooks() throws Exception {
    try (LoopbackSink sinkA = LoopbackSink.recording();
        LoopbackSink sinkB = LoopbackSink.recording();
        LoopbackSink sinkC = LoopbackSink.recording()) {
      WebhookRegistry setup = registry(store());
      Webhook a = receiving(setup, "a", sinkA.uri("/a"));
      Webhook b = receiving(setup, "b", sinkB.uri("/b"));
      Webhook c = receiving(setup, "c", sinkC.uri("/c"));
      corruptApiKey(b.id());

      try (Dispatcher d = dispatcher(registry(store())).start()) {
        PublishResult published =
            d.publish(
                Event.builder(UserEvents.CREATED)
                    .id("evt_1")
                    .occurredAt(clock.instant())
                    .user("user-1")
                    .data(JsonNodeFactory.instance.objectNode().put("n", 1))
                    .build());
        assertEquals(
            Set.of(a.id(), c.id()),
            Set.copyOf(published.webhookIds()),
            "routed to the two readable webhooks, not to the unreadable one");
        Poll.until(
            Duration.ofSeconds(30),
            () -> sinkA.distinct() == 1 && sinkC.distinct() == 1,
            () -> "delivered to a: " + sinkA.distinct() + ", to c: " + sinkC.distinct());
        d.reloadWebhooks(); // a reload does not fail either
        assertEquals(0, sinkB.total(), "nothing went to the unreadable webhook");
      }
    }
  }

  private Event event(String id) {
    return Event.builder(UserEvents.CREATED)
        .id(id)
        .occurredAt(clock.instant())
        .user("user-" + id)
        .data(JsonNodeFactory.instance.objectNode().put("id", id))
        .build();
  }

  /**
   * Deliveries queued for the webhook before its row became unreadable: looking the webhook up
   * failed, and that failure ended the whole claim round. {@code runDueNow()} threw it on every
   * call (the delivery went back to the Store and came first again).
   */
  @Test
  void deliveriesQueuedForTheUnreadableWebhookDoNotFailRunDueNow() throws Exception {
    try (LoopbackSink sinkA = LoopbackSink.recording();
        LoopbackSink sinkB = LoopbackSink.recording();
        LoopbackSink sinkC = LoopbackSink.recording()) {
      PostgresStore store = store();
      WebhookRegistry setup = registry(store);
      Webhook a = receiving(setup, "a", sinkA.uri("/a"));
      Webhook b = receiving(setup, "b", sinkB.uri("/b"));
      Webhook c = receiving(setup, "c", sinkC.uri("/c"));
      try (Dispatcher before = dispatcher(setup)) { // never started: it only enqueues
        before.publish(List.of(event("evt_q1"), event("evt_q2")));
      }
      corruptApiKey(b.id());

      try (Dispatcher d = dispatcher(registry(store()))) { // driven by its host, not started
        d.runDueNow();
        d.runDueNow();
        assertEquals(2, sinkA.distinct(), "a's queued deliveries went out");
        assertEquals(2, sinkC.distinct(), "c's queued deliveries went out");
        assertEquals(0, sinkB.total(), "nothing went to the unreadable webhook");
        assertEquals(2, store.countDeliveries(b.id()).pending(), "b's stay queued");
        assertEquals(2, store.countDeliveries(a.id()).succeeded());
        assertEquals(2, store.countDeliveries(c.id()).succeeded());
      }
    }
  }

  /**
   * The same in the background: every claim round that took the unreadable webhook's queued
   * delivery failed and backed off, doubling up to 30 s, as if the database were down, so
   * deliveries enqueued by other instances waited longer and longer.
   */
  @Test
  void deliveriesQueuedForTheUnreadableWebhookDoNotSlowClaimingForTheOthers() throws Exception {
    try (LoopbackSink sinkA = LoopbackSink.recording();
        LoopbackSink sinkB = LoopbackSink.recording()) {
      PostgresStore store = store();
      WebhookRegistry setup = registry(store);
      receiving(setup, "a", sinkA.uri("/a"));
      Webhook b = receiving(setup, "b", sinkB.uri("/b"));
      try (Dispatcher other = dispatcher(setup)) { // another instance: it only enqueues
        other.publish(event("evt_queued"));
        corruptApiKey(b.id());
        other.reloadWebhooks(); // routes to a only from here on
        try (Dispatcher d = dispatcher(registry(store())).start()) {
          for (int n = 1; n <= 10; n++) {
            int want = n + 1; // evt_queued too
            other.publish(event("evt_" + n));
            Poll.until(
                Duration.ofSeconds(5),
                () -> sinkA.distinct() >= want,
                () -> "event " + want + " reached a within 5 s: " + sinkA.distinct());
          }
          assertEquals(0, sinkB.total(), d::toString);
        }
      }
    }
  }

  @Test
  void aDispatcherOverAValueUnderAnUnknownKeyIdFailsToBuildNamingIt() throws Exception {
    try (LoopbackSink sink = LoopbackSink.recording()) {
      WebhookRegistry setup = registry(store());
      receiving(setup, "a", sink.uri("/a"));
      Webhook b = receiving(setup, "b", sink.uri("/b"));
      receiving(setup, "c", sink.uri("/c"));
      underUnknownKey(b.id());

      SecretCipherException e =
          assertThrows(SecretCipherException.class, () -> dispatcher(registry(store())).close());
      assertEquals(SecretCipherException.Reason.UNKNOWN_KEY, e.reason(), e.getMessage());
      assertTrue(e.getMessage().contains("'" + b.id() + "', column api_key_enc"), e.getMessage());
      assertTrue(e.getMessage().contains("'retired-9'"), e.getMessage());
      assertNoSecret(e.getMessage());
    }
  }

  @Test
  void aDispatcherOverRowsThatAllFailAuthenticationFailsToBuild() throws Exception {
    try (LoopbackSink sink = LoopbackSink.recording()) {
      WebhookRegistry setup = registry(store());
      for (String name : List.of("a", "b", "c")) {
        corruptApiKey(receiving(setup, name, sink.uri("/" + name)).id());
      }
      SecretCipherException e =
          assertThrows(SecretCipherException.class, () -> dispatcher(registry(store())).close());
      assertEquals(SecretCipherException.Reason.AUTHENTICATION_FAILED, e.reason(), e.getMessage());
      assertNoSecret(e.getMessage());
    }
  }
}
