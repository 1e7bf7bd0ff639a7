package dev.hookline.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.SecretCipherException;
import java.nio.ByteBuffer;
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
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class AesGcmSecretCipherTest {
  private static final byte[] KEY_1 = key(1);
  private static final byte[] KEY_2 = key(2);
  private static final String SECRET = "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=";
  private static final String CTX = "wh_1:api_key";

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
    String enc = c.encrypt(SECRET, CTX);
    assertTrue(enc.startsWith("v2:k1:"), enc);
    assertFalse(enc.contains("c2VjcmV0"), "the plaintext is not visible in the ciphertext");
    assertEquals(SECRET, c.decrypt(enc, CTX));
    assertEquals("", c.decrypt(c.encrypt("", CTX), CTX));
    assertEquals("ünïcødé ✓", c.decrypt(c.encrypt("ünïcødé ✓", CTX), CTX));
  }

  @Test
  void everyEncryptionUsesAFreshNonce() {
    AesGcmSecretCipher c = cipher("k1", KEY_1);
    Set<String> seen = new HashSet<>();
    Set<String> nonces = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      String enc = c.encrypt(SECRET, CTX);
      seen.add(enc);
      byte[] body = Base64.getUrlDecoder().decode(enc.substring("v2:k1:".length()));
      nonces.add(Base64.getEncoder().encodeToString(Arrays.copyOf(body, 12)));
    }
    assertEquals(1000, seen.size());
    assertEquals(1000, nonces.size());
  }

  @Test
  void rotationDecryptsOldValuesAndEncryptsWithTheNewKey() {
    String old = cipher("k1", KEY_1).encrypt(SECRET, CTX);
    AesGcmSecretCipher rotated =
        AesGcmSecretCipher.builder().primaryKey("k2", KEY_2).decryptionKey("k1", KEY_1).build();
    assertEquals(SECRET, rotated.decrypt(old, CTX));
    assertFalse(rotated.isEncryptedWithPrimaryKey(old));
    String fresh = rotated.encrypt(SECRET, CTX);
    assertTrue(fresh.startsWith("v2:k2:"));
    assertTrue(rotated.isEncryptedWithPrimaryKey(fresh));
    assertEquals("k2", rotated.primaryKeyId());
  }

  @Test
  void unknownKeyIdIsAClearError() {
    String old = cipher("k1", KEY_1).encrypt(SECRET, CTX);
    SecretCipherException e =
        assertThrows(SecretCipherException.class, () -> cipher("k2", KEY_2).decrypt(old, CTX));
    assertEquals(SecretCipherException.Reason.UNKNOWN_KEY, e.reason());
    assertTrue(e.getMessage().contains("'k1'"), e.getMessage());
  }

  @Test
  void aDifferentKeyUnderTheSameIdFailsAuthentication() {
    String enc = cipher("k1", KEY_1).encrypt(SECRET, CTX);
    SecretCipherException e =
        assertThrows(SecretCipherException.class, () -> cipher("k1", KEY_2).decrypt(enc, CTX));
    assertEquals(SecretCipherException.Reason.AUTHENTICATION_FAILED, e.reason());
    assertFalse(e.getMessage().contains(enc.substring(6)), "no ciphertext in the message");
  }

  @Test
  void tamperingWithTheBodyNonceOrKeyIdIsDetected() {
    AesGcmSecretCipher both =
        AesGcmSecretCipher.builder().primaryKey("k1", KEY_1).decryptionKey("k9", KEY_1).build();
    String enc = both.encrypt(SECRET, CTX);
    byte[] body = Base64.getUrlDecoder().decode(enc.substring(6));
    for (int index : new int[] {0, 11, 12, body.length - 1}) {
      byte[] changed = body.clone();
      changed[index] ^= 1;
      String altered = "v2:k1:" + Base64.getUrlEncoder().withoutPadding().encodeToString(changed);
      SecretCipherException e =
          assertThrows(SecretCipherException.class, () -> both.decrypt(altered, CTX));
      assertEquals(SecretCipherException.Reason.AUTHENTICATION_FAILED, e.reason(), "byte " + index);
    }
    // Same key material under another id: the key id is authenticated, so relabelling fails.
    String relabelled = "v2:k9:" + enc.substring(6);
    assertEquals(
        SecretCipherException.Reason.AUTHENTICATION_FAILED,
        assertThrows(SecretCipherException.class, () -> both.decrypt(relabelled, CTX)).reason());
  }

  @Test
  void aValueDecryptsOnlyUnderTheContextItWasEncryptedUnder() {
    AesGcmSecretCipher c = cipher("k1", KEY_1);
    String enc = c.encrypt(SECRET, "wh_victim:api_key");
    assertEquals(SECRET, c.decrypt(enc, "wh_victim:api_key"));
    for (String other :
        List.of(
            "wh_attacker:api_key",
            "wh_victim:signing_secret",
            "wh_victim:api_ke",
            "wh_victim:api_key ",
            "wh_victim:api_key\u0000",
            "Wh_victim:api_key",
            "wh_victim")) {
      SecretCipherException e =
          assertThrows(SecretCipherException.class, () -> c.decrypt(enc, other), other);
      assertEquals(SecretCipherException.Reason.AUTHENTICATION_FAILED, e.reason(), other);
      assertFalse(e.getMessage().contains(SECRET), "no secret in the message");
      assertFalse(e.getMessage().contains(enc.substring(6)), "no ciphertext in the message");
    }
    String unicode = c.encrypt(SECRET, "wébhook-✓:api_key");
    assertEquals(SECRET, c.decrypt(unicode, "wébhook-✓:api_key"));
    assertThrows(SecretCipherException.class, () -> c.decrypt(unicode, "webhook-✓:api_key"));
  }

  @Test
  void theAssociatedDataIsTheHeaderThenTheLengthPrefixedContext() throws Exception {
    // Pins the documented format, so that a change to it is deliberate.
    String context = "wh_1:api_key";
    String enc = cipher("k1", KEY_1).encrypt(SECRET, context);
    byte[] body = Base64.getUrlDecoder().decode(enc.substring("v2:k1:".length()));
    byte[] ctx = context.getBytes(StandardCharsets.UTF_8);
    byte[] aad =
        ByteBuffer.allocate(6 + 4 + ctx.length)
            .put("v2:k1:".getBytes(StandardCharsets.US_ASCII))
            .putInt(ctx.length)
            .put(ctx)
            .array();
    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(
        Cipher.DECRYPT_MODE,
        new SecretKeySpec(KEY_1, "AES"),
        new GCMParameterSpec(128, body, 0, 12));
    gcm.updateAAD(aad);
    byte[] plain = gcm.doFinal(body, 12, body.length - 12);
    assertEquals(SECRET, new String(plain, StandardCharsets.UTF_8));
  }

  @Test
  void valuesInTheUnboundV1FormatAreRefused() throws Exception {
    // A genuine v1 value: AES-GCM under KEY_1 with only "v1:k1:" as associated data.
    byte[] nonce = new byte[12];
    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(
        Cipher.ENCRYPT_MODE, new SecretKeySpec(KEY_1, "AES"), new GCMParameterSpec(128, nonce));
    gcm.updateAAD("v1:k1:".getBytes(StandardCharsets.US_ASCII));
    byte[] sealed = gcm.doFinal(SECRET.getBytes(StandardCharsets.UTF_8));
    byte[] body = ByteBuffer.allocate(12 + sealed.length).put(nonce).put(sealed).array();
    String v1 = "v1:k1:" + Base64.getUrlEncoder().withoutPadding().encodeToString(body);

    AesGcmSecretCipher c = cipher("k1", KEY_1);
    SecretCipherException e = assertThrows(SecretCipherException.class, () -> c.decrypt(v1, CTX));
    assertEquals(SecretCipherException.Reason.MALFORMED, e.reason());
    assertTrue(e.getMessage().contains("v1"), e.getMessage());
    assertTrue(e.getMessage().contains("no longer accepted"), e.getMessage());
    assertFalse(e.getMessage().contains(SECRET));
    assertFalse(e.getMessage().contains(v1.substring(6)), "no ciphertext in the message");
    assertFalse(c.isEncryptedWithPrimaryKey(v1));
  }

  @Test
  void rotationKeepsTheContextBinding() {
    String old = cipher("k1", KEY_1).encrypt(SECRET, "wh_a:api_key");
    AesGcmSecretCipher rotated =
        AesGcmSecretCipher.builder().primaryKey("k2", KEY_2).decryptionKey("k1", KEY_1).build();
    assertEquals(SECRET, rotated.decrypt(old, "wh_a:api_key"));
    assertEquals(
        SecretCipherException.Reason.AUTHENTICATION_FAILED,
        assertThrows(SecretCipherException.class, () -> rotated.decrypt(old, "wh_b:api_key"))
            .reason());
    String fresh = rotated.encrypt(rotated.decrypt(old, "wh_a:api_key"), "wh_a:api_key");
    assertTrue(fresh.startsWith("v2:k2:"), fresh);
    assertEquals(SECRET, cipher("k2", KEY_2).decrypt(fresh, "wh_a:api_key"));
    assertThrows(
        SecretCipherException.class, () -> cipher("k2", KEY_2).decrypt(fresh, "wh_b:api_key"));
  }

  @Test
  void theContextMustBeNonEmptyWellFormedText() {
    AesGcmSecretCipher c = cipher("k1", KEY_1);
    String enc = c.encrypt(SECRET, CTX);
    assertThrows(IllegalArgumentException.class, () -> c.encrypt(SECRET, ""));
    assertThrows(IllegalArgumentException.class, () -> c.decrypt(enc, ""));
    // An unpaired surrogate would otherwise encode like '?' and collide with another context.
    assertThrows(IllegalArgumentException.class, () -> c.encrypt(SECRET, "wh_\uD800:api_key"));
    assertThrows(IllegalArgumentException.class, () -> c.decrypt(enc, "wh_\uD800:api_key"));
    assertThrows(NullPointerException.class, () -> c.encrypt(SECRET, null));
    assertThrows(NullPointerException.class, () -> c.decrypt(enc, null));
  }

  @Test
  void malformedValuesAreRejected() {
    AesGcmSecretCipher c = cipher("k1", KEY_1);
    for (String bad :
        List.of("", "plain", "v2:k1", "v2:k1:", "v3:k1:AAAA", "v2:k1:***", "v2:k1:AAAA")) {
      SecretCipherException e =
          assertThrows(SecretCipherException.class, () -> c.decrypt(bad, CTX));
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
    String enc = c.encrypt(SECRET, CTX);
    Arrays.fill(mutable, (byte) 0);
    assertEquals(SECRET, c.decrypt(enc, CTX), "the builder copied the key");
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
                    if (!plain.equals(c.decrypt(c.encrypt(plain, CTX), CTX))) {
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
