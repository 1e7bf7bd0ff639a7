package dev.hookline.receiver.set.internal;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyOperation;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.KeyUse;
import java.util.Optional;
import java.util.Set;
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
   * After the key {@link #find} gave could not verify a token (its signature did not match, or the
   * key is of another type, for another algorithm or not for signatures): the key now under the id,
   * if the set may have changed since and now holds another one there (a sender that replaced the
   * key under an existing id). A fetched set is fetched again for this, at most as often as for an
   * unknown id, since neither cause needs a valid signature; a fixed set never changes.
   *
   * @param keyId the key id
   * @param type the key type the token's algorithm needs
   * @param mismatched the key that could not verify the token
   * @return another key under the id, or empty if there is none or the set was not fetched again
   */
  default Optional<JWK> findReplacement(String keyId, KeyType type, JWK mismatched) {
    return Optional.empty();
  }

  /**
   * The key with the id and the type in a set that may verify signatures; else the first with the
   * id and the type; else the first with the id (which the verifier then refuses for its use or its
   * type); else null.
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
    JWK ofType = null;
    for (JWK k : set.getKeys()) {
      if (keyId.equals(k.getKeyID())) {
        if (type.equals(k.getKeyType())) {
          if (notForVerifying(k) == null) {
            return k;
          }
          if (ofType == null) {
            ofType = k;
          }
        }
        if (first == null) {
          first = k;
        }
      }
    }
    return ofType != null ? ofType : first;
  }

  /**
   * Why a key must not verify signatures, or null if it may: RFC 7517 section 4.2 ({@code use}
   * other than {@code sig}) and section 4.3 ({@code key_ops} without {@code verify}). A key with
   * neither member may be used for anything.
   *
   * @param key the key
   * @return the reason, naming the member and its value, or null
   */
  static @Nullable String notForVerifying(JWK key) {
    KeyUse use = key.getKeyUse();
    if (use != null && !KeyUse.SIGNATURE.equals(use)) {
      return "\"use\":\""
          + printable(use.getValue())
          + "\" (RFC 7517 section 4.2: only \"sig\" keys verify signatures)";
    }
    Set<KeyOperation> ops = key.getKeyOperations();
    if (ops != null && !ops.contains(KeyOperation.VERIFY)) {
      return "\"key_ops\" "
          + ops.stream().map(KeyOperation::identifier).sorted().toList()
          + " without \"verify\" (RFC 7517 section 4.3)";
    }
    return null;
  }

  /** A value from the sender's key set, clipped and without control characters, for a message. */
  private static String printable(String s) {
    String clipped = s.length() > 32 ? s.substring(0, 32) + "…" : s;
    StringBuilder b = new StringBuilder();
    clipped.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    return b.toString();
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
