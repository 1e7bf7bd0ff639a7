package dev.hookline.set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.set.SigningKeyException.Reason;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keys load from PKCS#8 PEM and from a key store, and unusable keys are refused by reason. */
class SigningKeyTest {

  private static String pem(String label, byte[] der) {
    return "-----BEGIN "
        + label
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + label
        + "-----\n";
  }

  @Test
  void anRsaKeyLoadsFromPkcs8PemWithItsPublicKeyDerived() {
    SigningKey original = Fixtures.RSA_1;
    SigningKey loaded =
        SigningKey.fromPem("pem-1", pem("PRIVATE KEY", original.privateKey().getEncoded()));
    assertEquals(SigningAlgorithm.RS256, loaded.algorithm());
    assertEquals(original.publicKey(), loaded.publicKey());
    assertEquals("pem-1", loaded.keyId());
  }

  @Test
  void anEcKeyLoadsFromPkcs8AndPublicKeyPem() {
    SigningKey original = Fixtures.EC_1;
    SigningKey loaded =
        SigningKey.fromPem(
            "ec-pem",
            SigningAlgorithm.ES256,
            pem("PRIVATE KEY", original.privateKey().getEncoded()),
            pem("PUBLIC KEY", original.publicKey().getEncoded()));
    assertEquals(original.publicKey(), loaded.publicKey());
    SigningKeyException noCrt =
        assertThrows(
            SigningKeyException.class,
            () -> SigningKey.fromPem("ec", pem("PRIVATE KEY", original.privateKey().getEncoded())));
    assertEquals(Reason.WRONG_KEY_TYPE, noCrt.reason(), "a well-formed EC key is no malformed PEM");
    assertTrue(noCrt.getMessage().contains("an EC key"), noCrt.getMessage());
    assertTrue(noCrt.getMessage().contains("SigningAlgorithm.ES256"), noCrt.getMessage());
  }

  /**
   * Review round 20: a well-formed PKCS#8 or X.509 key of the type the algorithm does not use was
   * refused as {@code MALFORMED_PEM} ("not a PKCS#8 RSA private key"), which sends its owner
   * looking for a broken file; it is {@code WRONG_KEY_TYPE}, naming the type found and the one
   * needed. A block that no key factory reads is still {@code MALFORMED_PEM}.
   */
  @Test
  void aKeyOfTheOtherTypeIsTheWrongKeyTypeNotAMalformedPem() {
    String rsaPrivate = pem("PRIVATE KEY", Fixtures.RSA_1.privateKey().getEncoded());
    String rsaPublic = pem("PUBLIC KEY", Fixtures.RSA_1.publicKey().getEncoded());
    String ecPrivate = pem("PRIVATE KEY", Fixtures.EC_1.privateKey().getEncoded());
    String ecPublic = pem("PUBLIC KEY", Fixtures.EC_1.publicKey().getEncoded());

    SigningKeyException rsaAsEs256 =
        assertThrows(
            SigningKeyException.class,
            () -> SigningKey.fromPem("k", SigningAlgorithm.ES256, rsaPrivate, ecPublic));
    assertEquals(Reason.WRONG_KEY_TYPE, rsaAsEs256.reason(), rsaAsEs256.getMessage());
    assertTrue(rsaAsEs256.getMessage().contains("private key is an RSA key"));
    assertTrue(rsaAsEs256.getMessage().contains("ES256 needs an EC key on P-256"));

    SigningKeyException ecAsRs256 =
        assertThrows(
            SigningKeyException.class,
            () -> SigningKey.fromPem("k", SigningAlgorithm.RS256, ecPrivate, rsaPublic));
    assertEquals(Reason.WRONG_KEY_TYPE, ecAsRs256.reason(), ecAsRs256.getMessage());
    assertTrue(ecAsRs256.getMessage().contains("RS256 needs an RSA key"));

    SigningKeyException rsaPublicForEc =
        assertThrows(
            SigningKeyException.class,
            () -> SigningKey.fromPem("k", SigningAlgorithm.ES256, ecPrivate, rsaPublic));
    assertEquals(Reason.WRONG_KEY_TYPE, rsaPublicForEc.reason(), rsaPublicForEc.getMessage());
    assertTrue(rsaPublicForEc.getMessage().contains("public key is an RSA key"));

    byte[] garbage = new byte[64];
    Arrays.fill(garbage, (byte) 0x30);
    assertEquals(
        Reason.MALFORMED_PEM,
        assertThrows(
                SigningKeyException.class,
                () -> SigningKey.fromPem("k", pem("PRIVATE KEY", garbage)))
            .reason());
    assertEquals(
        Reason.MALFORMED_PEM,
        assertThrows(
                SigningKeyException.class,
                () ->
                    SigningKey.fromPem(
                        "k", SigningAlgorithm.ES256, ecPrivate, pem("PUBLIC KEY", garbage)))
            .reason());
  }

  @Test
  void aKeyLoadsFromAPkcs12KeyStore(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("signing.p12");
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "sig",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-dname",
                "CN=hookline-test",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                file.toString(),
                "-storepass",
                "changeit",
                "-keypass",
                "changeit")
            .redirectErrorStream(true)
            .start();
    if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
      throw new AssertionError(
          new String(
              keytool.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    }
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(new ByteArrayInputStream(Files.readAllBytes(file)), "changeit".toCharArray());
    SigningKey key = SigningKey.fromKeyStore("ks-1", store, "sig", "changeit".toCharArray());
    assertEquals(SigningAlgorithm.RS256, key.algorithm());
    assertEquals(store.getCertificate("sig").getPublicKey(), key.publicKey());
    SigningKeyException missing =
        assertThrows(
            SigningKeyException.class,
            () -> SigningKey.fromKeyStore("ks-2", store, "nope", "changeit".toCharArray()));
    assertEquals(Reason.KEY_STORE, missing.reason());
  }

  @Test
  void unusableKeysAreRefusedEachWithItsReason() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(1024);
    var weak = g.generateKeyPair();
    assertEquals(
        Reason.WEAK_KEY,
        assertThrows(
                SigningKeyException.class,
                () ->
                    SigningKey.of(
                        "weak", SigningAlgorithm.RS256, weak.getPrivate(), weak.getPublic()))
            .reason());
    assertEquals(
        Reason.MISMATCHED_PAIR,
        assertThrows(
                SigningKeyException.class,
                () ->
                    SigningKey.of(
                        "mix",
                        SigningAlgorithm.RS256,
                        Fixtures.RSA_1.privateKey(),
                        Fixtures.RSA_2.publicKey()))
            .reason());
    assertEquals(
        Reason.WRONG_KEY_TYPE,
        assertThrows(
                SigningKeyException.class,
                () ->
                    SigningKey.of(
                        "ec-as-rsa",
                        SigningAlgorithm.RS256,
                        Fixtures.EC_1.privateKey(),
                        Fixtures.EC_1.publicKey()))
            .reason());
    assertEquals(
        Reason.MALFORMED_PEM,
        assertThrows(SigningKeyException.class, () -> SigningKey.fromPem("x", "not a pem"))
            .reason());
    for (String kid : List.of("../../etc/passwd", "a/b", "", ".hidden", "k".repeat(129), "a b")) {
      assertEquals(
          Reason.MALFORMED_KEY_ID,
          assertThrows(
                  SigningKeyException.class,
                  () ->
                      SigningKey.of(
                          kid,
                          SigningAlgorithm.RS256,
                          Fixtures.RSA_1.privateKey(),
                          Fixtures.RSA_1.publicKey()),
                  kid)
              .reason());
    }
  }
}
