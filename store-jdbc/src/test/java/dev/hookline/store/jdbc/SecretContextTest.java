package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.SecretCipherException;
import dev.hookline.spi.SecretCipher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The associated data each secret is bound to is exactly what the README says it is: the webhook
 * id, the column and the webhook's URI. Operators rely on it (a value copied or a URI repointed
 * outside Hookline fails authentication), so the two must not drift apart.
 */
class SecretContextTest {
  private static final String SCHEMA = "secret_context";
  private static final DataSource DS = EmbeddedDb.dataSource();
  private static final String URI = "https://hooks.example.com/wh_ctx";
  private static PostgresStore store;

  @BeforeAll
  static void setUp() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    store = EmbeddedDb.store(DS, SCHEMA);
  }

  @BeforeEach
  void freshWebhook() {
    EmbeddedDb.truncate(DS, SCHEMA);
    store.insertWebhook(webhook("wh_ctx", T0));
  }

  @AfterAll
  static void cleanUp() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
  }

  @Test
  void theApiKeyIsBoundToWebhookIdColumnAndUri() throws SQLException {
    SecretCipher cipher = EmbeddedDb.cipher();
    setApiKey(cipher.encrypt("ak_documented", "wh_ctx:api_key:" + URI));
    assertEquals("ak_documented", store.findWebhook("wh_ctx").orElseThrow().apiKey().reveal());

    setApiKey(cipher.encrypt("ak_without_uri", "wh_ctx:api_key"));
    SecretCipherException e =
        assertThrows(SecretCipherException.class, () -> store.findWebhook("wh_ctx"));
    assertEquals(SecretCipherException.Reason.AUTHENTICATION_FAILED, e.reason());
  }

  @Test
  void signingSecretsAreBoundToWebhookIdColumnAndUri() throws SQLException {
    SecretCipher cipher = EmbeddedDb.cipher();
    setSigningSecret(cipher.encrypt("whsec_documented", "wh_ctx:signing_secret:" + URI));
    assertEquals(
        "whsec_documented",
        store.findWebhook("wh_ctx").orElseThrow().signingSecrets().get(0).secret().reveal());

    setSigningSecret(cipher.encrypt("whsec_without_uri", "wh_ctx:signing_secret"));
    assertThrows(SecretCipherException.class, () -> store.findWebhook("wh_ctx"));
  }

  @Test
  void theReadmeNamesTheContextsTheCodeBinds() throws IOException {
    String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
    assertTrue(
        readme.contains("`<webhookId>:api_key:<uri>`")
            && readme.contains("`<webhookId>:signing_secret:<uri>`"),
        "store-jdbc/README.md (Secrets at rest) names other contexts than the code binds");
  }

  private static void setApiKey(String value) throws SQLException {
    update("UPDATE \"" + SCHEMA + "\".webhooks SET api_key_enc = ? WHERE id = 'wh_ctx'", value);
  }

  private static void setSigningSecret(String value) throws SQLException {
    update(
        "UPDATE \""
            + SCHEMA
            + "\".webhooks SET signing_secrets = jsonb_set(signing_secrets, '{0,secret_enc}',"
            + " to_jsonb(?::text)) WHERE id = 'wh_ctx'",
        value);
  }

  private static void update(String sql, String value) throws SQLException {
    try (Connection c = DS.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, value);
      assertEquals(1, ps.executeUpdate());
    }
  }
}
