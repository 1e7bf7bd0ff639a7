package dev.hookline.set.spi;

import dev.hookline.set.SigningKey;
import java.time.Instant;
import java.util.List;

/**
 * Where Security Event Token signing keys come from: the key that signs now, and the keys whose
 * public halves are published in the JSON Web Key Set (the signing key, a next key published before
 * it signs so that receivers have it in time, and, during a rotation's overlap, the previous ones).
 * {@link dev.hookline.set.InMemorySigningKeys} is the built-in implementation; a key management
 * service or an HSM (a {@link java.security.PrivateKey} of a PKCS #11 provider) can implement it
 * too.
 *
 * <p>Implementations must be thread-safe.
 */
public interface SigningKeys {

  /**
   * Returns the key that signs tokens issued at {@code now}.
   *
   * @param now the time of signing
   * @return the signing key
   */
  SigningKey signingKey(Instant now);

  /**
   * Returns the keys to publish at {@code now}, the signing key first: every key whose tokens a
   * receiver may still be verifying, and any key that is to sign soon.
   *
   * @param now the time
   * @return the published keys, never empty
   */
  List<SigningKey> publishedKeys(Instant now);
}
