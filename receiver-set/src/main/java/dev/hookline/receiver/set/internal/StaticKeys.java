package dev.hookline.receiver.set.internal;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import java.text.ParseException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A key set given at build time. Immutable and thread-safe. */
public final class StaticKeys implements KeySource {
  private static final Logger LOG = LoggerFactory.getLogger(StaticKeys.class);

  private final JWKSet keys;

  /**
   * Holds the given set.
   *
   * @param keys the public keys
   */
  public StaticKeys(JWKSet keys) {
    this.keys = keys.toPublicJWKSet();
  }

  /**
   * Reads a key set given as JSON as a fetched one is read ({@link ReadableKeys}): keys that cannot
   * be parsed are skipped, as RFC 7517 section 5 asks, and named in one WARN line by index and kid
   * with the reason and no key material, so that the sender's published set works here as it does
   * from its URL the day the sender adds a key this parser does not understand. A set none of whose
   * keys can be read is refused, naming them the same way.
   *
   * @param json the JSON Web Key Set
   * @return the keys that could be read, as public keys
   * @throws IllegalArgumentException if it is not a JSON object with a {@code keys} array, or it
   *     has keys and none could be read; the message never holds key material
   */
  public static JWKSet read(String json) {
    ReadableKeys.Read read;
    try {
      read = ReadableKeys.read(json);
    } catch (ParseException e) {
      // Not the cause: a JSON parser's message may quote the text, which may be a private key.
      throw new IllegalArgumentException(
          "jwks is not a JSON Web Key Set (a JSON object with a \"keys\" array): "
              + ReadableKeys.withoutKeyMaterial(e.getMessage()));
    }
    if (read.skipped().isEmpty()) {
      return read.keys();
    }
    int kept = read.keys().size();
    if (kept == 0) {
      throw new IllegalArgumentException(
          "jwks has no key that could be read ("
              + read.skipped().size()
              + " skipped as RFC 7517 section 5 asks: "
              + read.listed()
              + ")");
    }
    LOG.warn(
        "The key set given to jwks(...) has {} key(s) that could not be read, skipped as RFC 7517"
            + " section 5 asks: {}; its other {} key(s) are kept",
        read.skipped().size(),
        read.listed(),
        kept);
    return read.keys();
  }

  @Override
  public Optional<JWK> find(String keyId, KeyType type) {
    return Optional.ofNullable(KeySource.select(keys, keyId, type));
  }
}
