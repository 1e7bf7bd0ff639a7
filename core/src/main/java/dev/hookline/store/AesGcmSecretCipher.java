package dev.hookline.store;

import dev.hookline.SecretCipherException;
import dev.hookline.spi.SecretCipher;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * A {@link SecretCipher} using AES-GCM with keys the application supplies.
 *
 * <p>Each value is encrypted with the primary key and a fresh random 96-bit nonce; the result is
 * {@code v2:<keyId>:<base64url(nonce ‖ ciphertext ‖ 128-bit tag)>}. The nonce is the GCM IV, and
 * the associated data is the header {@code v2:<keyId>:} (ASCII) followed by the context: its UTF-8
 * length as a 4-byte big-endian integer, then its UTF-8 bytes. Changing any part of a stored value,
 * or decrypting it under another context (for example after copying it into another webhook's row),
 * makes decryption fail with {@link SecretCipherException.Reason#AUTHENTICATION_FAILED}. Decryption
 * uses whichever configured key the value names, which is how the master key is rotated: make the
 * new key primary, keep the old one as a {@linkplain Builder#decryptionKey decryption key} until
 * every stored secret has been rewritten.
 *
 * <p>Values in the earlier {@code v1} format, which were not bound to a context, are refused.
 *
 * <p>Immutable and thread-safe. {@link #toString()} shows key ids only, never key material.
 */
public final class AesGcmSecretCipher implements SecretCipher {
  private static final String VERSION = "v2";
  private static final String RETIRED_VERSION = "v1";
  private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final String primaryKeyId;
  private final Map<String, SecretKeySpec> keys;
  private final SecureRandom random;

  private AesGcmSecretCipher(
      String primaryKeyId, Map<String, SecretKeySpec> keys, SecureRandom random) {
    this.primaryKeyId = primaryKeyId;
    this.keys = keys;
    this.random = random;
  }

  /**
   * Starts a cipher.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the id of the key that encrypts.
   *
   * @return the primary key id
   */
  public String primaryKeyId() {
    return primaryKeyId;
  }

  /**
   * Returns whether a stored value was encrypted with the primary key (in the current format), so
   * that a key rotation can tell which values still need rewriting. Does not decrypt or
   * authenticate the value.
   *
   * @param ciphertext a value {@link #encrypt} produced
   * @return true if it names the primary key
   */
  public boolean isEncryptedWithPrimaryKey(String ciphertext) {
    Objects.requireNonNull(ciphertext, "ciphertext");
    return ciphertext.startsWith(header(primaryKeyId));
  }

  @Override
  public String encrypt(String plaintext, String context) {
    Objects.requireNonNull(plaintext, "plaintext");
    ByteBuffer ctx = encodeContext(context);
    String header = header(primaryKeyId);
    byte[] aad = associatedData(header, ctx);
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(
          Cipher.ENCRYPT_MODE, keys.get(primaryKeyId), new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(aad);
      byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      byte[] out = ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array();
      return header + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/GCM encryption is unavailable in this JVM", e);
    }
  }

  @Override
  public String decrypt(String ciphertext, String context) {
    Objects.requireNonNull(ciphertext, "ciphertext");
    ByteBuffer ctx = encodeContext(context);
    int first = ciphertext.indexOf(':');
    int second = first < 0 ? -1 : ciphertext.indexOf(':', first + 1);
    if (second >= 0 && RETIRED_VERSION.equals(ciphertext.substring(0, first))) {
      throw new SecretCipherException(
          SecretCipherException.Reason.MALFORMED,
          "Cannot decrypt a stored secret: it is in format v1, which did not bind the value to"
              + " where it is stored and is no longer accepted; store the secret again");
    }
    if (second < 0 || !VERSION.equals(ciphertext.substring(0, first))) {
      throw malformed("it does not start with '" + VERSION + ":<keyId>:'");
    }
    String keyId = ciphertext.substring(first + 1, second);
    SecretKeySpec key = keys.get(keyId);
    if (key == null) {
      throw new SecretCipherException(
          SecretCipherException.Reason.UNKNOWN_KEY,
          "Cannot decrypt a stored secret: it was encrypted with key id '"
              + (KEY_ID.matcher(keyId).matches() ? keyId : "<malformed>")
              + "', which is not configured; add that key as a decryption key");
    }
    byte[] aad = associatedData(ciphertext.substring(0, second + 1), ctx);
    byte[] in;
    try {
      in = Base64.getUrlDecoder().decode(ciphertext.substring(second + 1));
    } catch (IllegalArgumentException e) {
      throw malformed("its body is not base64url");
    }
    if (in.length < NONCE_BYTES + TAG_BITS / 8) {
      throw malformed("it is too short");
    }
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE_BYTES));
      cipher.updateAAD(aad);
      byte[] plain = cipher.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES);
      return new String(plain, StandardCharsets.UTF_8);
    } catch (AEADBadTagException e) {
      throw new SecretCipherException(
          SecretCipherException.Reason.AUTHENTICATION_FAILED,
          "Cannot decrypt a stored secret with key id '"
              + keyId
              + "': authentication failed (the stored value was altered or copied from another"
              + " place, so it does not belong to this context, or the key configured under that"
              + " id is not the key that encrypted it)");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/GCM decryption is unavailable in this JVM", e);
    }
  }

  /**
   * Encodes a context as UTF-8, refusing an empty one and unpaired surrogates (which a plain {@code
   * getBytes} would replace, so that two distinct contexts could encode alike).
   */
  private static ByteBuffer encodeContext(String context) {
    Objects.requireNonNull(context, "context");
    if (context.isEmpty()) {
      throw new IllegalArgumentException(
          "The context must not be empty: it names where the value is stored");
    }
    try {
      return StandardCharsets.UTF_8.newEncoder().encode(CharBuffer.wrap(context));
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("The context is not well-formed text", e);
    }
  }

  /**
   * Returns the associated data: the ASCII header, then the context's UTF-8 length (4 bytes,
   * big-endian) and bytes. The header ends at its second colon and the context is length-prefixed,
   * so distinct (header, context) pairs never give the same bytes.
   */
  private static byte[] associatedData(String header, ByteBuffer context) {
    byte[] head = header.getBytes(StandardCharsets.US_ASCII);
    ByteBuffer ctx = context.duplicate();
    int length = ctx.remaining();
    return ByteBuffer.allocate(head.length + Integer.BYTES + length)
        .put(head)
        .putInt(length)
        .put(ctx)
        .array();
  }

  private static SecretCipherException malformed(String why) {
    return new SecretCipherException(
        SecretCipherException.Reason.MALFORMED,
        "Cannot decrypt a stored secret: " + why + "; it was not produced by AesGcmSecretCipher");
  }

  private static String header(String keyId) {
    return VERSION + ":" + keyId + ":";
  }

  @Override
  public String toString() {
    return "AesGcmSecretCipher[primaryKeyId=" + primaryKeyId + ", keyIds=" + keys.keySet() + "]";
  }

  /** Builds an {@link AesGcmSecretCipher}. Not thread-safe. */
  public static final class Builder {
    private @Nullable String primaryKeyId;
    private final Map<String, byte[]> keys = new LinkedHashMap<>();
    private @Nullable SecureRandom random;

    private Builder() {}

    /**
     * Sets the key that encrypts (and also decrypts). Required.
     *
     * @param keyId a short name recorded in every value, 1 to 64 characters {@code A-Z a-z 0-9 _
     *     -}, for example {@code 2026-11}
     * @param key 16, 24 or 32 bytes (AES-128, -192 or -256); copied
     * @return this builder
     */
    public Builder primaryKey(String keyId, byte[] key) {
      addKey(keyId, key);
      this.primaryKeyId = keyId;
      return this;
    }

    /**
     * Adds a key that only decrypts: a former primary key, kept while stored values are rewritten.
     *
     * @param keyId the id the values name
     * @param key 16, 24 or 32 bytes; copied
     * @return this builder
     */
    public Builder decryptionKey(String keyId, byte[] key) {
      addKey(keyId, key);
      return this;
    }

    /**
     * Sets the source of nonces; a new {@link SecureRandom} by default.
     *
     * @param random the random source
     * @return this builder
     */
    public Builder random(SecureRandom random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    private void addKey(String keyId, byte[] key) {
      Objects.requireNonNull(keyId, "keyId");
      Objects.requireNonNull(key, "key");
      if (!KEY_ID.matcher(keyId).matches()) {
        // Not quoted: a key pasted where its id goes (base64 is never a well-formed id) would be
        // printed in the failure.
        throw new IllegalArgumentException(
            "A key id is malformed ("
                + keyId.length()
                + " characters): use 1 to 64 characters A-Z a-z 0-9 _ -");
      }
      if (key.length != 16 && key.length != 24 && key.length != 32) {
        throw new IllegalArgumentException(
            "Key '" + keyId + "' is " + key.length + " bytes; AES needs 16, 24 or 32 bytes");
      }
      byte[] previous = keys.get(keyId);
      if (previous != null && !Arrays.equals(previous, key)) {
        throw new IllegalArgumentException("Key id '" + keyId + "' is given two different keys");
      }
      keys.put(keyId, key.clone());
    }

    /**
     * Builds the cipher.
     *
     * @return the cipher
     * @throws IllegalStateException if no primary key was set
     */
    public AesGcmSecretCipher build() {
      String primary = primaryKeyId;
      if (primary == null) {
        throw new IllegalStateException("primaryKey(keyId, key) is required");
      }
      Map<String, SecretKeySpec> specs = new LinkedHashMap<>();
      keys.forEach((id, bytes) -> specs.put(id, new SecretKeySpec(bytes, "AES")));
      return new AesGcmSecretCipher(
          primary,
          java.util.Collections.unmodifiableMap(specs),
          random != null ? random : new SecureRandom());
    }
  }
}
