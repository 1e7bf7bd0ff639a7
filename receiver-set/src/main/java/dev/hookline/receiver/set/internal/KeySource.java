package dev.hookline.receiver.set.internal;

import com.nimbusds.jose.jwk.JWK;
import java.util.Optional;

/** Where the verifier finds the sender's public keys. Implementations are thread-safe. */
public interface KeySource {

  /**
   * Finds the key with an id.
   *
   * @param keyId a well-formed key id
   * @return the key, or empty if the sender publishes none with that id
   * @throws KeySetUnavailableException if the key set could not be had
   */
  Optional<JWK> find(String keyId);

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
