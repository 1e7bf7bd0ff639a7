package dev.hookline.spi;

/**
 * Encrypts the secrets a persistent {@link Store} keeps (webhook API keys and signing secrets), so
 * that they are never written in plain text. A persistent Store requires one; {@link
 * dev.hookline.AesGcmSecretCipher} is the standard implementation.
 *
 * <p>The ciphertext must record which key encrypted it, so that the application can rotate its
 * master key: configure the new key as primary and keep the old one for decryption until every
 * stored secret has been re-encrypted.
 *
 * <p>Implementations must be thread-safe, and must never put a plaintext or key material in an
 * exception message, a log line or a {@code toString()}.
 */
public interface SecretCipher {

  /**
   * Encrypts a secret with the primary key.
   *
   * @param plaintext the secret
   * @return printable ASCII text that records the key id and can be stored in a text column
   */
  String encrypt(String plaintext);

  /**
   * Decrypts a value that {@link #encrypt} produced, with whichever configured key it names.
   *
   * @param ciphertext the stored value
   * @return the secret
   * @throws dev.hookline.SecretCipherException if the value is malformed, names a key that is not
   *     configured, or fails authentication (it was altered, or encrypted with another key)
   */
  String decrypt(String ciphertext);
}
