package dev.hookline.receiver.set.internal;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import java.util.Optional;

/** A key set given at build time. Immutable and thread-safe. */
public final class StaticKeys implements KeySource {
  private final JWKSet keys;

  /**
   * Holds the given set.
   *
   * @param keys the public keys
   */
  public StaticKeys(JWKSet keys) {
    this.keys = keys.toPublicJWKSet();
  }

  @Override
  public Optional<JWK> find(String keyId, KeyType type) {
    return Optional.ofNullable(KeySource.select(keys, keyId, type));
  }
}
