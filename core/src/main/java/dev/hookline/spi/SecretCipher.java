package dev.hookline.spi;

/**
 * Encrypts the secrets a persistent {@link Store} keeps (webhook API keys and signing secrets), so
 * that they are never written in plain text. A persistent Store requires one; {@link
 * dev.hookline.store.AesGcmSecretCipher} is the standard implementation.
 *
 * <p><b>Context.</b> Every value is encrypted under a <em>context</em>: a string that names where
 * the value is stored, such as the owning webhook's id and the column ({@code "wh_123:api_key"}).
 * The ciphertext is bound to that context (for an AEAD cipher, as associated data): decrypting it
 * with any other context must fail authentication. This stops someone who can write to the database
 * but does not hold the key from copying one webhook's encrypted secret into another webhook's row,
 * which would otherwise make the library hand the victim's secret to the attacker's endpoint. The
 * context is not secret and is not stored in the ciphertext; the caller supplies the same context
 * to {@link #decrypt} that it gave to {@link #encrypt}.
 *
 * <p><b>Key rotation.</b> The ciphertext must record which key encrypted it, so that the
 * application can rotate its master key: configure the new key as primary and keep the old one for
 * decryption until every stored secret has been re-encrypted.
 *
 * <p>Implementations must be thread-safe, and must never put a plaintext or key material in an
 * exception message, a log line or a {@code toString()}.
 */
public interface SecretCipher {

  /**
   * Encrypts a secret with the primary key, bound to a context.
   *
   * @param plaintext the secret
   * @param context where the value will be stored, for example {@code "<webhookId>:api_key"}; not
   *     empty. The same context must be given to {@link #decrypt}.
   * @return printable ASCII text that records the key id and can be stored in a text column
   * @throws IllegalArgumentException if the context is empty or not well-formed text
   */
  String encrypt(String plaintext, String context);

  /**
   * Decrypts a value that {@link #encrypt} produced, with whichever configured key it names. The
   * value must have been encrypted under exactly this context; a value encrypted under another
   * context (copied from another webhook or column) fails authentication.
   *
   * @param ciphertext the stored value
   * @param context the context the value was encrypted under
   * @return the secret
   * @throws dev.hookline.SecretCipherException if the value is malformed or in an unsupported
   *     format, names a key that is not configured, or fails authentication (it was altered,
   *     encrypted under another context, or encrypted with another key)
   * @throws IllegalArgumentException if the context is empty or not well-formed text
   */
  String decrypt(String ciphertext, String context);
}
