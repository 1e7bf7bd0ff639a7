package dev.hookline.receiver.set.internal;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** Where the verifier finds the sender's public keys. Implementations are thread-safe. */
public interface KeySource {

  /**
   * Finds the key with an id, of the given type if the set has one of that type under the id (RFC
   * 7517 section 4.5 lets keys of different types share an id).
   *
   * @param keyId a well-formed key id
   * @param type the key type the token's algorithm needs
   * @return the key, or empty if the sender publishes none with that id
   * @throws KeySetUnavailableException if the key set could not be had
   */
  Optional<JWK> find(String keyId, KeyType type);

  /**
   * The key with the id and the type in a set; else the first with the id (which the verifier then
   * refuses for its type); else null.
   *
   * @param set the key set, or null
   * @param keyId the key id
   * @param type the preferred key type
   * @return the key, or null
   */
  static @Nullable JWK select(@Nullable JWKSet set, String keyId, KeyType type) {
    if (set == null) {
      return null;
    }
    JWK first = null;
    for (JWK k : set.getKeys()) {
      if (keyId.equals(k.getKeyID())) {
        if (type.equals(k.getKeyType())) {
          return k;
        }
        if (first == null) {
          first = k;
        }
      }
    }
    return first;
  }

  /** The key set could not be fetched or parsed; the message never holds key material. */
  final class KeySetUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message why
     */
    public KeySetUnavailableException(String message) {
      super(message);
    }
  }
}
