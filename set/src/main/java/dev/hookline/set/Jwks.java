package dev.hookline.set;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import dev.hookline.set.spi.SigningKeys;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A public JSON Web Key Set (RFC 7517): the document a host serves at {@code
 * /.well-known/jwks.json} with any framework, so that receivers verify Security Event Tokens with
 * any JOSE library. Holds public keys only.
 *
 * <p>Immutable and thread-safe.
 */
public final class Jwks {
  private final String json;
  private final List<String> keyIds;

  private Jwks(String json, List<String> keyIds) {
    this.json = json;
    this.keyIds = List.copyOf(keyIds);
  }

  /**
   * Returns the set published by {@code keys} at {@code now}.
   *
   * @param keys the signing keys
   * @param now the time
   * @return the public key set
   * @throws IllegalStateException if {@code keys} publishes no key
   * @throws IllegalArgumentException if two published keys have the same key id
   */
  public static Jwks of(SigningKeys keys, Instant now) {
    @Nullable List<SigningKey> published = keys.publishedKeys(Objects.requireNonNull(now, "now"));
    if (published == null || published.isEmpty()) {
      // every receiver would refuse every token; an error keeps them on the last set they read
      throw new IllegalStateException(
          "signingKeys " + keys.getClass().getName() + " published no keys at " + now);
    }
    return of(published);
  }

  /**
   * Returns the set of the given keys' public halves, in order.
   *
   * @param keys the keys
   * @return the public key set
   * @throws IllegalArgumentException if two keys have the same key id: a receiver would verify
   *     tokens under it with whichever it found first
   */
  public static Jwks of(List<SigningKey> keys) {
    List<JWK> jwks = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (SigningKey k : keys) {
      if (ids.contains(k.keyId())) {
        throw new IllegalArgumentException(
            "key id \""
                + k.keyId()
                + "\" is on two keys; each key in a key set needs its own (RFC 7517 section 4.5)");
      }
      jwks.add(publicJwk(k));
      ids.add(k.keyId());
    }
    return new Jwks(new JWKSet(jwks).toString(true), ids);
  }

  /**
   * Returns a key's public JWK, with {@code kid}, {@code alg} and {@code use: sig}.
   *
   * @param key the key
   * @return the public JWK
   */
  static JWK publicJwk(SigningKey key) {
    if (key.algorithm() == SigningAlgorithm.RS256) {
      return new RSAKey.Builder((RSAPublicKey) key.publicKey())
          .keyID(key.keyId())
          .algorithm(JWSAlgorithm.RS256)
          .keyUse(KeyUse.SIGNATURE)
          .build();
    }
    return new ECKey.Builder(Curve.P_256, (ECPublicKey) key.publicKey())
        .keyID(key.keyId())
        .algorithm(JWSAlgorithm.ES256)
        .keyUse(KeyUse.SIGNATURE)
        .build();
  }

  /**
   * Returns the JSON document, {@code {"keys":[...]}}.
   *
   * @return the JSON text
   */
  public String json() {
    return json;
  }

  /**
   * Returns the key ids in the set, in order.
   *
   * @return the key ids
   */
  public List<String> keyIds() {
    return keyIds;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Jwks j && json.equals(j.json);
  }

  @Override
  public int hashCode() {
    return json.hashCode();
  }

  @Override
  public String toString() {
    return "Jwks" + keyIds;
  }
}
