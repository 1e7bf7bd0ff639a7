package dev.hookline.set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * Review round 11: {@code SigningKey.fromPem(kid, algorithm, pkcs8Pem, publicPem)} names a missing
 * argument, as the rest of Hookline does ({@code Objects.requireNonNull(x, "x")}). With a null
 * algorithm it read an RSA key as an EC one and refused it as "not a PKCS#8 EC private key", a
 * wrong reason; a null {@code publicPem} failed with the JDK's "because \"text\" is null", naming
 * no argument.
 */
class NullArgumentsReviewTest {
  private static final String RSA_PEM =
      "-----BEGIN PRIVATE KEY-----\n"
          + Base64.getEncoder().encodeToString(Fixtures.RSA_1.privateKey().getEncoded())
          + "\n-----END PRIVATE KEY-----\n";
  private static final String RSA_PUBLIC =
      "-----BEGIN PUBLIC KEY-----\n"
          + Base64.getEncoder().encodeToString(Fixtures.RSA_1.publicKey().getEncoded())
          + "\n-----END PUBLIC KEY-----\n";

  @Test
  void fromPemNamesAMissingAlgorithmOrPublicKey() {
    assertEquals(
        "algorithm",
        assertThrows(
                NullPointerException.class,
                () -> SigningKey.fromPem("rsa-1", null, RSA_PEM, RSA_PUBLIC))
            .getMessage());
    assertEquals(
        "publicPem",
        assertThrows(
                NullPointerException.class,
                () -> SigningKey.fromPem("rsa-1", SigningAlgorithm.RS256, RSA_PEM, null))
            .getMessage());
  }
}
