package dev.hookline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AesGcmSecretCipherTest {
  private static final byte[] KEY_1 = key(1);
  private static final byte[] KEY_2 = key(2);
  private static final String SECRET = "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=";

  private static byte[] key(int fill) {
    byte[] k = new byte[32];
    Arrays.fill(k, (byte) fill);
    return k;
  }

  private static AesGcmSecretCipher cipher(String id, byte[] key) {
    return AesGcmSecretCipher.builder().primaryKey(id, key).build();
  }

  @Test
  void roundTripsAndNeverShowsThePlaintext() {
    AesGcmSecretCipher c = cipher("k1", KEY_1);
    String enc = c.encrypt(SECRET);
    assertTrue(enc.startsWith("v1:k1:"), enc);
    assertFalse(enc.contains("c2VjcmV0"), "the plaintext is not visible in the ciphertext");
    assertEquals(SECRET, c.decrypt(enc));
    assertEquals("", c.decrypt(c.encrypt("")));
    assertEquals("ünïcødé ✓", c.decrypt(c.encrypt("ünïcødé ✓")));
  }

  @Test
  void everyEncryptionUsesAFreshNonce() {
    AesGcmSecretCipher c = cipher("k1", KEY_1);
    Set<String> seen = new HashSet<>();
    Set<String> nonces = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      String enc = c.encrypt(SECRET);
      seen.add(enc);
      byte[] body = Base64.getUrlDecoder().decode(enc.substring("v1:k1:".length()));
      nonces.add(Base64.getEncoder().encodeToString(Arrays.copyOf(body, 12)));
    }
    assertEquals(1000, seen.size());
    assertEquals(1000, nonces.size());
  }

  @Test
  void rotationDecryptsOldValuesAndEncryptsWithTheNewKey() {
    String old = cipher("k1", KEY_1).encrypt(SECRET);
    AesGcmSecretCipher rotated =
        AesGcmSecretCipher.builder().primaryKey("k2", KEY_2).decryptionKey("k1", KEY_1).build();
    assertEquals(SECRET, rotated.decrypt(old));
    assertFalse(rotated.isEncryptedWithPrimaryKey(old));
    String fresh = rotated.encrypt(SECRET);
    assertTrue(fresh.startsWith("v1:k2:"));
    assertTrue(rotated.isEncryptedWithPrimaryKey(fresh));
    assertEquals("k2", rotated.primaryKeyId());
  }

  @Test
  void unknownKeyIdIsAClearError() {
    String old = cipher("k1", KEY_1).encrypt(SECRET);
    SecretCipherException e =
        assertThrows(SecretCipherException.class, () -> cipher("k2", KEY_2).decrypt(old));
    assertEquals(SecretCipherException.Reason.UNKNOWN_KEY, e.reason());
    assertTrue(e.getMessage().contains("'k1'"), e.getMessage());
  }

  @Test
  void aDifferentKeyUnderTheSameIdFailsAuthentication() {
    String enc = cipher("k1", KEY_1).encrypt(SECRET);
    SecretCipherException e =
        assertThrows(SecretCipherException.class, () -> cipher("k1", KEY_2).decrypt(enc));
    assertEquals(SecretCipherException.Reason.AUTHENTICATION_FAILED, e.reason());
    assertFalse(e.getMessage().contains(enc.substring(6)), "no ciphertext in the message");
  }

  @Test
  void tamperingWithTheBodyNonceOrKeyIdIsDetected() {
    AesGcmSecretCipher both =
        AesGcmSecretCipher.builder().primaryKey("k1", KEY_1).decryptionKey("k9", KEY_1).build();
    String enc = both.encrypt(SECRET);
    byte[] body = Base64.getUrlDecoder().decode(enc.substring(6));
    for (int index : new int[] {0, 11, 12, body.length - 1}) {
      byte[] changed = body.clone();
      changed[index] ^= 1;
      String altered = "v1:k1:" + Base64.getUrlEncoder().withoutPadding().encodeToString(changed);
      SecretCipherException e =
          assertThrows(SecretCipherException.class, () -> both.decrypt(altered));
      assertEquals(SecretCipherException.Reason.AUTHENTICATION_FAILED, e.reason(), "byte " + index);
    }
    // Same key material under another id: the key id is authenticated, so relabelling fails.
    String relabelled = "v1:k9:" + enc.substring(6);
    assertEquals(
        SecretCipherException.Reason.AUTHENTICATION_FAILED,
        assertThrows(SecretCipherException.class, () -> both.decrypt(relabelled)).reason());
  }

  @Test
  void malformedValuesAreRejected() {
    AesGcmSecretCipher c = cipher("k1", KEY_1);
    for (String bad : List.of("", "plain", "v2:k1:AAAA", "v1:k1:***", "v1:k1:AAAA")) {
      SecretCipherException e = assertThrows(SecretCipherException.class, () -> c.decrypt(bad));
      assertEquals(SecretCipherException.Reason.MALFORMED, e.reason(), bad);
    }
  }

  @Test
  void builderValidatesKeysAndIds() {
    assertThrows(IllegalStateException.class, () -> AesGcmSecretCipher.builder().build());
    assertThrows(
        IllegalArgumentException.class,
        () -> AesGcmSecretCipher.builder().primaryKey("k1", new byte[15]));
    assertThrows(
        IllegalArgumentException.class,
        () -> AesGcmSecretCipher.builder().primaryKey("bad:id", KEY_1));
    assertThrows(
        IllegalArgumentException.class,
        () -> AesGcmSecretCipher.builder().primaryKey("k1", KEY_1).decryptionKey("k1", KEY_2));
    byte[] mutable = KEY_1.clone();
    AesGcmSecretCipher c = AesGcmSecretCipher.builder().primaryKey("k1", mutable).build();
    String enc = c.encrypt(SECRET);
    Arrays.fill(mutable, (byte) 0);
    assertEquals(SECRET, c.decrypt(enc), "the builder copied the key");
  }

  @Test
  void toStringShowsKeyIdsOnly() {
    AesGcmSecretCipher c =
        AesGcmSecretCipher.builder().primaryKey("k2", KEY_2).decryptionKey("k1", KEY_1).build();
    String s = c.toString();
    assertEquals("AesGcmSecretCipher[primaryKeyId=k2, keyIds=[k2, k1]]", s);
    assertNotEquals(-1, s.indexOf("k1"));
    assertFalse(s.contains(new String(KEY_1, StandardCharsets.ISO_8859_1)));
  }

  @Test
  void isSafeToShareBetweenThreads() throws Exception {
    AesGcmSecretCipher c = cipher("k1", KEY_1);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    Set<String> wrong = ConcurrentHashMap.newKeySet();
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 500; i++) {
                    String plain = "secret-" + thread + "-" + i;
                    if (!plain.equals(c.decrypt(c.encrypt(plain)))) {
                      wrong.add(plain);
                    }
                  }
                }));
      }
      for (Future<?> f : futures) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertTrue(wrong.isEmpty(), wrong.toString());
  }
}
