package dev.hookline.set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.set.SigningKeyException.Reason;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Review round 11: {@code SigningKey.fromPem} reads PKCS#8 ({@code -----BEGIN PRIVATE KEY-----})
 * and X.509 public keys only. The PEM a production key most often comes as is another kind: PKCS#1
 * ({@code BEGIN RSA PRIVATE KEY}, from {@code openssl genrsa} before 3.0 and many consoles), SEC1
 * ({@code BEGIN EC PRIVATE KEY}, from {@code openssl ecparam -genkey}), an encrypted PKCS#8, or a
 * certificate given for the public key. Each was refused with "no -----BEGIN PRIVATE KEY----- ...
 * block", which reads as wrong to someone holding a file that plainly says PRIVATE KEY: it named
 * neither what was found nor how to get the kind that is read. The message now names the kind found
 * and the conversion, still without quoting the PEM.
 */
class OtherPemKindsReviewTest {
  private static final String EC_PUBLIC = pem("PUBLIC KEY", Fixtures.EC_1.publicKey().getEncoded());
  // the bytes do not matter: the kind of block is refused before they are read
  private static final byte[] SOME_DER = Fixtures.EC_1.privateKey().getEncoded();
  private static final String SOME_BASE64 =
      Base64.getEncoder().encodeToString(SOME_DER).substring(0, 24);

  private static String pem(String label, byte[] der) {
    return "-----BEGIN "
        + label
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + label
        + "-----\n";
  }

  private static String refusal(Executable load, String... expected) {
    SigningKeyException e = assertThrows(SigningKeyException.class, load);
    assertEquals(Reason.MALFORMED_PEM, e.reason());
    for (String part : expected) {
      assertTrue(e.getMessage().contains(part), e.getMessage() + " lacks " + part);
    }
    assertFalse(e.getMessage().contains(SOME_BASE64), "the PEM is quoted: " + e.getMessage());
    return e.getMessage();
  }

  @Test
  void aPkcs1RsaKeyIsNamedWithTheConversionToPkcs8() {
    refusal(
        () -> SigningKey.fromPem("rsa-1", pem("RSA PRIVATE KEY", SOME_DER)),
        "RSA PRIVATE KEY",
        "PKCS#1",
        "openssl pkcs8 -topk8 -nocrypt");
  }

  @Test
  void aSec1EcKeyIsNamedWithTheConversionToPkcs8() {
    refusal(
        () ->
            SigningKey.fromPem(
                "ec-1",
                SigningAlgorithm.ES256,
                // as openssl ecparam -genkey writes it: the curve's parameters, then the key
                "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
                    + pem("EC PRIVATE KEY", SOME_DER),
                EC_PUBLIC),
        "EC PRIVATE KEY",
        "SEC1",
        "openssl pkcs8 -topk8 -nocrypt");
  }

  @Test
  void anEncryptedPkcs8KeyIsNamedWithHowToDecryptIt() {
    refusal(
        () -> SigningKey.fromPem("rsa-1", pem("ENCRYPTED PRIVATE KEY", SOME_DER)),
        "ENCRYPTED PRIVATE KEY",
        "encrypted",
        "openssl pkcs8 -topk8 -nocrypt");
  }

  @Test
  void aCertificateGivenForThePublicKeyIsNamedWithHowToGetItsKey() {
    String ecPrivate = pem("PRIVATE KEY", Fixtures.EC_1.privateKey().getEncoded());
    refusal(
        () ->
            SigningKey.fromPem(
                "ec-1", SigningAlgorithm.ES256, ecPrivate, pem("CERTIFICATE", SOME_DER)),
        "CERTIFICATE",
        "public key",
        "openssl x509 -pubkey -noout",
        "fromKeyStore");
  }

  @Test
  void aBlockCutShortSaysSo() {
    String whole = pem("PRIVATE KEY", SOME_DER);
    refusal(
        () -> SigningKey.fromPem("rsa-1", whole.substring(0, whole.indexOf("-----END"))),
        "has no -----END PRIVATE KEY-----",
        "cut short");
  }

  @Test
  void textWithNoPemBlockAtAllIsStillRefusedAsBefore() {
    refusal(() -> SigningKey.fromPem("rsa-1", "not a pem"), "-----BEGIN PRIVATE KEY-----");
  }
}
