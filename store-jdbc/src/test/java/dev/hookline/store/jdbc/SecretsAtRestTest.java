package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.API_KEY;
import static dev.hookline.store.jdbc.Fixtures.SIGNING_SECRET;
import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Secret;
import dev.hookline.SecretCipherException;
import dev.hookline.SigningSecret;
import dev.hookline.Webhook;
import dev.hookline.WebhookFormat;
import dev.hookline.WebhookStatus;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.testing.TestWebhooks;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * API keys and signing secrets are never stored in plain text, each is bound to its webhook and
 * column, and the master key can rotate.
 */
class SecretsAtRestTest {
  private static final String SCHEMA = "secrets";
  private static final SimpleConnectionPool DS =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 4);

  @BeforeEach
  void freshSchema() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
  }

  @AfterAll
  static void cleanUp() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    DS.close();
  }

  private static byte[] key(int fill) {
    byte[] k = new byte[32];
    Arrays.fill(k, (byte) fill);
    return k;
  }

  private static PostgresStore store(AesGcmSecretCipher cipher) {
    return PostgresStore.builder(DS).schema(SCHEMA).secretCipher(cipher).build();
  }

  private static String rawRows() throws SQLException {
    try (Connection c = DS.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT string_agg(row_to_json(w)::text, '\n') FROM secrets.webhooks w")) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static void assertNoPlaintext(String raw) {
    assertFalse(raw.contains(API_KEY), "API key in plain text");
    assertFalse(raw.contains("PLAINTEXTAPIKEY"), "part of the API key in plain text");
    assertFalse(raw.contains(SIGNING_SECRET), "signing secret in plain text");
    assertFalse(raw.contains("UExBSU5URVhU"), "part of the signing secret in plain text");
  }

  @Test
  void secretsAreEncryptedInEveryRowAndReadBackIntact() throws SQLException {
    PostgresStore store = store(AesGcmSecretCipher.builder().primaryKey("k1", key(1)).build());
    Webhook w = webhook("wh_a", T0);
    store.insertWebhook(w);
    String raw = rawRows();
    assertNoPlaintext(raw);
    assertTrue(raw.contains("v2:k1:"), raw);

    Webhook found = store.findWebhook("wh_a").orElseThrow();
    assertEquals(API_KEY, found.apiKey().reveal());
    assertEquals(SIGNING_SECRET, found.signingSecrets().get(0).secret().reveal());

    store.updateWebhook(
        TestWebhooks.withState(
            found, WebhookStatus.VERIFIED, false, Optional.of("paused"), T0.plusSeconds(1)));
    assertNoPlaintext(rawRows());
  }

  @Test
  void aStoreWithoutTheKeyFailsClearlyAndWithoutLeaking() {
    store(AesGcmSecretCipher.builder().primaryKey("k1", key(1)).build())
        .insertWebhook(webhook("wh_a", T0));
    PostgresStore other = store(AesGcmSecretCipher.builder().primaryKey("k2", key(2)).build());
    SecretCipherException e =
        assertThrows(SecretCipherException.class, () -> other.findWebhook("wh_a"));
    assertEquals(SecretCipherException.Reason.UNKNOWN_KEY, e.reason());
    assertTrue(e.getMessage().contains("'k1'"), e.getMessage());
    assertFalse(e.getMessage().contains(API_KEY));
  }

  @Test
  void rotatingTheMasterKeyRewritesEverySecret() throws SQLException {
    PostgresStore old = store(AesGcmSecretCipher.builder().primaryKey("k1", key(1)).build());
    for (int i = 0; i < 250; i++) {
      old.insertWebhook(webhook("wh_" + i, T0));
    }
    PostgresStore rotating =
        store(
            AesGcmSecretCipher.builder()
                .primaryKey("k2", key(2))
                .decryptionKey("k1", key(1))
                .build());
    assertEquals(250, rotating.listWebhooks().size(), "old values still decrypt");
    assertEquals(250, rotating.reencryptSecrets());
    String raw = rawRows();
    assertFalse(raw.contains("v2:k1:"), "nothing is left under the old key");
    assertNoPlaintext(raw);

    PostgresStore rotated = store(AesGcmSecretCipher.builder().primaryKey("k2", key(2)).build());
    List<Webhook> all = rotated.listWebhooks();
    assertEquals(250, all.size());
    assertTrue(all.stream().allMatch(w -> w.apiKey().reveal().equals(API_KEY)));
    assertTrue(all.stream().allMatch(w -> w.version() == 1), "re-encryption is not a change");
  }

  // ---- ciphertexts are bound to their webhook and column ----

  private static final String ATTACKER_KEY = "ak_live_attackers_own_key_0001";
  private static final String ATTACKER_SECRET = "whsec_YXR0YWNrZXJzLW93bi1zZWNyZXQ=";

  /** A victim webhook (the fixture's key and secret) and an attacker's with its own. */
  private static PostgresStore victimAndAttacker() {
    PostgresStore store = store(AesGcmSecretCipher.builder().primaryKey("k1", key(1)).build());
    store.insertWebhook(webhook("wh_victim", T0));
    Webhook own = webhook("wh_attacker", T0);
    store.insertWebhook(
        new Webhook(
            own.id(),
            own.tenant(),
            own.name(),
            own.description(),
            URI.create("https://attacker.example.net/collect"),
            Secret.of(ATTACKER_KEY),
            own.events(),
            own.filter(),
            WebhookFormat.STANDARD_WEBHOOKS,
            Optional.empty(),
            own.status(),
            own.enabled(),
            own.statusReason(),
            List.of(new SigningSecret(Secret.of(ATTACKER_SECRET), T0, Optional.empty())),
            own.createdAt(),
            own.updatedAt(),
            own.version()));
    return store;
  }

  private static String column(String id, String expression) throws SQLException {
    try (Connection c = DS.getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT " + expression + " FROM secrets.webhooks WHERE id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        assertTrue(rs.next(), id);
        return rs.getString(1);
      }
    }
  }

  /**
   * Asserts that every way of reading the webhook fails authentication, naming the webhook and the
   * column but no secret or ciphertext, that a list leaves it out (and lists the victim), and that
   * re-encryption does not launder the value.
   */
  private static void assertRefused(
      PostgresStore store, String webhookId, String columnName, String copied) throws SQLException {
    SecretCipherException found =
        assertThrows(SecretCipherException.class, () -> store.findWebhook(webhookId));
    assertEquals(
        List.of("wh_victim"),
        store.listWebhooks().stream().map(Webhook::id).toList(),
        "the copy is left out of the list, the other webhook is listed");
    SecretCipherException reencrypted =
        assertThrows(SecretCipherException.class, store::reencryptSecrets);
    for (SecretCipherException e : List.of(found, reencrypted)) {
      String message = e.getMessage();
      assertEquals(SecretCipherException.Reason.AUTHENTICATION_FAILED, e.reason(), message);
      assertTrue(message.contains("'" + webhookId + "'"), message);
      assertTrue(message.contains(columnName), message);
      assertTrue(message.contains("authentication failed"), message);
      assertInstanceOf(SecretCipherException.class, e.getCause(), "the cipher's own failure");
      for (String secret : List.of(API_KEY, SIGNING_SECRET, ATTACKER_KEY, ATTACKER_SECRET)) {
        assertFalse(message.contains(secret), message);
      }
      assertFalse(message.contains(copied.substring("v2:k1:".length())), "no ciphertext");
    }
    assertEquals(API_KEY, store.findWebhook("wh_victim").orElseThrow().apiKey().reveal());
  }

  @Test
  void aUriRepointedInTheDatabaseNeverGetsTheKey() throws SQLException {
    PostgresStore store = victimAndAttacker();
    EmbeddedDb.execute(
        DS,
        "UPDATE secrets.webhooks SET uri = 'https://attacker.example/x' WHERE id = 'wh_victim'");
    SecretCipherException e =
        assertThrows(SecretCipherException.class, () -> store.findWebhook("wh_victim"));
    assertEquals(SecretCipherException.Reason.AUTHENTICATION_FAILED, e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains("api_key_enc"), e.getMessage());
    assertFalse(e.getMessage().contains(API_KEY), e.getMessage());
  }

  @Test
  void anApiKeyCopiedIntoAnotherWebhookFailsAuthentication() throws SQLException {
    PostgresStore store = victimAndAttacker();
    String victimKey = column("wh_victim", "api_key_enc");
    EmbeddedDb.execute(
        DS,
        "UPDATE secrets.webhooks SET api_key_enc ="
            + " (SELECT api_key_enc FROM secrets.webhooks WHERE id = 'wh_victim')"
            + " WHERE id = 'wh_attacker'");
    assertEquals(victimKey, column("wh_attacker", "api_key_enc"), "the copy took place");

    assertRefused(store, "wh_attacker", "api_key_enc", victimKey);
    assertEquals(
        victimKey, column("wh_attacker", "api_key_enc"), "re-encryption left the copy unusable");
  }

  @Test
  void aSigningSecretCopiedIntoAnotherWebhookFailsAuthentication() throws SQLException {
    PostgresStore store = victimAndAttacker();
    String victimSecret = column("wh_victim", "signing_secrets->0->>'secret_enc'");
    EmbeddedDb.execute(
        DS,
        "UPDATE secrets.webhooks SET signing_secrets = jsonb_set(signing_secrets,"
            + " '{0,secret_enc}', (SELECT signing_secrets->0->'secret_enc'"
            + " FROM secrets.webhooks WHERE id = 'wh_victim')) WHERE id = 'wh_attacker'");
    assertEquals(
        victimSecret,
        column("wh_attacker", "signing_secrets->0->>'secret_enc'"),
        "the copy took place");

    assertRefused(store, "wh_attacker", "signing_secrets[0].secret_enc", victimSecret);
    assertEquals(
        SIGNING_SECRET,
        store.findWebhook("wh_victim").orElseThrow().signingSecrets().get(0).secret().reveal());
  }

  @Test
  void anApiKeyCopiedIntoASigningSecretFailsAuthentication() throws SQLException {
    PostgresStore store = victimAndAttacker();
    String victimKey = column("wh_victim", "api_key_enc");
    // Across webhooks and columns: the victim's API key as the attacker's signing secret.
    EmbeddedDb.execute(
        DS,
        "UPDATE secrets.webhooks SET signing_secrets = jsonb_set(signing_secrets,"
            + " '{0,secret_enc}', (SELECT to_jsonb(api_key_enc)"
            + " FROM secrets.webhooks WHERE id = 'wh_victim')) WHERE id = 'wh_attacker'");
    assertRefused(store, "wh_attacker", "signing_secrets[0].secret_enc", victimKey);

    // Within one webhook, a value moved to the other column fails too.
    EmbeddedDb.execute(DS, "DELETE FROM secrets.webhooks WHERE id = 'wh_attacker'");
    String victimSecret = column("wh_victim", "signing_secrets->0->>'secret_enc'");
    EmbeddedDb.execute(
        DS,
        "UPDATE secrets.webhooks SET api_key_enc = signing_secrets->0->>'secret_enc'"
            + " WHERE id = 'wh_victim'");
    SecretCipherException e =
        assertThrows(SecretCipherException.class, () -> store.findWebhook("wh_victim"));
    assertEquals(SecretCipherException.Reason.AUTHENTICATION_FAILED, e.reason());
    assertTrue(e.getMessage().contains("'wh_victim', column api_key_enc"), e.getMessage());
    assertFalse(e.getMessage().contains(SIGNING_SECRET), e.getMessage());
    assertFalse(e.getMessage().contains(victimSecret.substring(6)), "no ciphertext");
  }

  @Test
  void reencryptionKeepsEachSecretBoundToItsWebhook() throws SQLException {
    victimAndAttacker();
    PostgresStore rotating =
        store(
            AesGcmSecretCipher.builder()
                .primaryKey("k2", key(2))
                .decryptionKey("k1", key(1))
                .build());
    assertEquals(2, rotating.reencryptSecrets());
    String victimKey = column("wh_victim", "api_key_enc");
    assertTrue(victimKey.startsWith("v2:k2:"), "rewritten under the new key");
    EmbeddedDb.execute(
        DS,
        "UPDATE secrets.webhooks SET api_key_enc ="
            + " (SELECT api_key_enc FROM secrets.webhooks WHERE id = 'wh_victim')"
            + " WHERE id = 'wh_attacker'");
    PostgresStore rotated = store(AesGcmSecretCipher.builder().primaryKey("k2", key(2)).build());
    SecretCipherException e =
        assertThrows(SecretCipherException.class, () -> rotated.findWebhook("wh_attacker"));
    assertEquals(SecretCipherException.Reason.AUTHENTICATION_FAILED, e.reason());
    assertFalse(e.getMessage().contains(API_KEY), e.getMessage());
    assertEquals(API_KEY, rotated.findWebhook("wh_victim").orElseThrow().apiKey().reveal());
  }
}
