package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.tenantWebhook;
import static dev.hookline.store.jdbc.Fixtures.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hookline.SecretCipherException;
import dev.hookline.spi.SecretCipher;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Review of round 6 (r90): {@code listWebhooks()} leaves out rows whose secret fails authentication
 * and fails only when every row fails, which it documents as the sign of "a wrong key configured
 * under the right key id, not a corrupt row". During a key rotation the rows are under two key ids:
 * an instance configured with the right old key and a wrong new key (a typo in the new key's
 * material on one instance) reads the old rows, so not every row fails, and the webhooks written
 * under the new key are left out, silently for the dispatcher: it builds, routes without them, and
 * events published through that instance are never enqueued for them. Before round 6 the list (and
 * so the build) failed. Every row under one key id failing is the same sign of a wrong key.
 */
class WrongKeyUnderOneKeyIdReviewTest {
  private static final String SCHEMA = "wrong_key_one_id";
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
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) fill);
    return key;
  }

  private static PostgresStore store(SecretCipher cipher) {
    return PostgresStore.builder(DS).schema(SCHEMA).secretCipher(cipher).build();
  }

  @Test
  void aWrongKeyUnderTheRotatedKeyIdStillFailsTheListThoughTheOldKeysRowsRead() {
    // Before the rotation: every row under test-1.
    PostgresStore before = store(AesGcmSecretCipher.builder().primaryKey("test-1", key(7)).build());
    before.insertWebhook(webhook("wh_old_a", T0));
    before.insertWebhook(tenantWebhook("wh_old_b", "acme", T0.plusSeconds(1)));
    // After: the instances that have the new key write under test-2.
    PostgresStore rotated =
        store(
            AesGcmSecretCipher.builder()
                .primaryKey("test-2", key(8))
                .decryptionKey("test-1", key(7))
                .build());
    rotated.insertWebhook(webhook("wh_new_a", T0.plusSeconds(2)));
    rotated.insertWebhook(tenantWebhook("wh_new_b", "acme", T0.plusSeconds(3)));
    rotated.insertWebhook(webhook("wh_new_c", T0.plusSeconds(4)));
    assertEquals(5, rotated.listWebhooks().size());

    // One instance got test-2's material wrong: none of test-2's rows authenticates under it.
    PostgresStore misconfigured =
        store(
            AesGcmSecretCipher.builder()
                .primaryKey("test-2", key(9))
                .decryptionKey("test-1", key(7))
                .build());
    SecretCipherException e =
        assertThrows(
            SecretCipherException.class,
            () -> {
              List<String> listed = misconfigured.listWebhooks().stream().map(w -> w.id()).toList();
              throw new AssertionError(
                  "every webhook under key id test-2 was left out, the list went on: " + listed);
            });
    assertEquals(SecretCipherException.Reason.AUTHENTICATION_FAILED, e.reason(), e.getMessage());
    assertThrows(SecretCipherException.class, () -> misconfigured.listWebhooks("acme"));
  }
}
