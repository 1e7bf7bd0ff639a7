package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.API_KEY;
import static dev.hookline.store.jdbc.Fixtures.SIGNING_SECRET;
import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.AesGcmSecretCipher;
import dev.hookline.SecretCipherException;
import dev.hookline.Webhook;
import dev.hookline.WebhookStatus;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** API keys and signing secrets are never stored in plain text, and the master key can rotate. */
class SecretsAtRestTest {
  private static final String SCHEMA = "secrets";
  private static final TestPool DS = new TestPool(EmbeddedDb.dataSource(), 4);

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
    assertTrue(raw.contains("v1:k1:"), raw);

    Webhook found = store.findWebhook("wh_a").orElseThrow();
    assertEquals(API_KEY, found.apiKey().reveal());
    assertEquals(SIGNING_SECRET, found.signingSecrets().get(0).secret().reveal());

    store.updateWebhook(
        found.withState(WebhookStatus.VERIFIED, false, Optional.of("paused"), T0.plusSeconds(1)));
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
    assertFalse(raw.contains("v1:k1:"), "nothing is left under the old key");
    assertNoPlaintext(raw);

    PostgresStore rotated = store(AesGcmSecretCipher.builder().primaryKey("k2", key(2)).build());
    List<Webhook> all = rotated.listWebhooks();
    assertEquals(250, all.size());
    assertTrue(all.stream().allMatch(w -> w.apiKey().reveal().equals(API_KEY)));
    assertTrue(all.stream().allMatch(w -> w.version() == 1), "re-encryption is not a change");
  }
}
