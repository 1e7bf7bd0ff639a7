package dev.hookline.spring;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * Review round 5 (secrets at rest): {@code StoreConfigurations.cipher} promises errors that "name
 * the property and never show key material", but a malformed key id is quoted whole ({@code Key id
 * '...' is malformed}). A base64 AES key always is one (its {@code =}, {@code +} and {@code /} are
 * not allowed in ids), so a key pasted into {@code HOOKLINE_SECRETS_PRIMARYKEYID} as well as {@code
 * HOOKLINE_SECRETS_PRIMARYKEY} (one letter pair apart) is printed in the startup failure.
 */
class KeyGivenAsKeyIdReviewTest {
  private static final String KEY;

  static {
    byte[] k = new byte[32];
    Arrays.fill(k, (byte) 0x5a);
    KEY = Base64.getEncoder().encodeToString(k);
  }

  private static String messages(Throwable e) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      all.append(t).append('\n');
    }
    return all.toString();
  }

  @Test
  void aKeyGivenAsThePrimaryKeyIdIsNotQuoted() {
    HooklineProperties.Secrets secrets = new HooklineProperties.Secrets();
    secrets.setPrimaryKeyId(KEY);
    secrets.setPrimaryKey(KEY);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> StoreConfigurations.cipher(secrets));
    assertTrue(e.getMessage().startsWith("hookline.secrets.primary-key-id: "), e.getMessage());
    assertFalse(messages(e).contains(KEY), "the key is in the startup failure");
  }
}
