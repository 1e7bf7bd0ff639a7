package dev.hookline.receiver.set;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;

/** SETs made with nimbus, as any other sender (or an attacker) would make them. */
final class Tokens {
  static final String ISSUER = "https://id.example.com";
  static final String AUDIENCE = "https://rp.example/hook";
  static final String API_KEY = "test-api-key-0123456789";
  static final String PREFIX = "https://schemas.hookline.dev/secevent/";
  static final RSAKey RSA = generateRsa("rsa-1");
  static final RSAKey RSA_OTHER = generateRsa("rsa-9");
  static final ECKey EC = generateEc("ec-1");

  private Tokens() {}

  static RSAKey generateRsa(String kid) {
    try {
      return new RSAKeyGenerator(2048).keyID(kid).generate();
    } catch (com.nimbusds.jose.JOSEException e) {
      throw new AssertionError(e);
    }
  }

  static ECKey generateEc(String kid) {
    try {
      return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
    } catch (com.nimbusds.jose.JOSEException e) {
      throw new AssertionError(e);
    }
  }

  static String jwks(JWK... keys) {
    List<JWK> pub = new ArrayList<>();
    for (JWK k : keys) {
      pub.add(k.toPublicJWK());
    }
    return new JWKSet(pub).toString(true);
  }

  static JWSHeader.Builder header(JWSAlgorithm alg, String kid) {
    return new JWSHeader.Builder(alg).keyID(kid).type(new JOSEObjectType("secevent+jwt"));
  }

  static JWTClaimsSet.Builder claims(String jti, Instant iat) {
    return new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .issueTime(Date.from(iat))
        .jwtID(jti)
        .claim("toe", iat.minusSeconds(2).getEpochSecond())
        .claim(
            "events",
            Map.of(
                PREFIX + "user.updated",
                Map.of(
                    "subject",
                    Map.of("user_id", "user-42", "tenant", "acme"),
                    "changed",
                    List.of("email"),
                    "data",
                    Map.of("email", "ada@example.com"))));
  }

  static String sign(JWSHeader header, JWTClaimsSet claims, JWSSigner signer) {
    try {
      SignedJWT jwt = new SignedJWT(header, claims);
      jwt.sign(signer);
      return jwt.serialize();
    } catch (com.nimbusds.jose.JOSEException e) {
      throw new AssertionError(e);
    }
  }

  static String rs256(String jti, Instant iat) {
    try {
      return sign(
          header(JWSAlgorithm.RS256, RSA.getKeyID()).build(),
          claims(jti, iat).build(),
          new RSASSASigner(RSA));
    } catch (com.nimbusds.jose.JOSEException e) {
      throw new AssertionError(e);
    }
  }

  static String es256(String jti, Instant iat) {
    try {
      return sign(
          header(JWSAlgorithm.ES256, EC.getKeyID()).build(),
          claims(jti, iat).build(),
          new ECDSASigner(EC));
    } catch (com.nimbusds.jose.JOSEException e) {
      throw new AssertionError(e);
    }
  }

  static String b64(String json) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  static Map<String, List<String>> bearer() {
    return Map.of("Authorization", List.of("Bearer " + API_KEY));
  }

  static byte[] bytes(String token) {
    return token.getBytes(StandardCharsets.US_ASCII);
  }
}
