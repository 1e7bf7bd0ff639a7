package dev.hookline.set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hookline.set.SigningKeyException.Reason;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * Review round 5 (SET signing keys): {@code SigningKey}'s javadoc promises the private key is
 * "never shown, logged or put in an exception message". {@code fromPem(keyId, pkcs8Pem)} takes two
 * strings, and its errors begin {@code "key " + keyId + ": ..."} before the key id is checked: with
 * the two arguments swapped (an easy slip, both being strings), the exception message, and so the
 * host's startup log, carries the whole private key.
 */
class SwappedPemArgumentsReviewTest {
  private static final String PRIVATE_PEM =
      "-----BEGIN PRIVATE KEY-----\n"
          + Base64.getMimeEncoder(64, new byte[] {'\n'})
              .encodeToString(Fixtures.RSA_1.privateKey().getEncoded())
          + "\n-----END PRIVATE KEY-----\n";
  private static final String PRIVATE_BASE64 =
      Base64.getEncoder().encodeToString(Fixtures.RSA_1.privateKey().getEncoded()).substring(0, 40);

  private static String messages(Throwable e) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      all.append(t).append('\n');
    }
    return all.toString();
  }

  @Test
  void aPemGivenAsTheKeyIdIsNotQuoted() {
    SigningKeyException e =
        assertThrows(SigningKeyException.class, () -> SigningKey.fromPem(PRIVATE_PEM, "rsa-1"));
    assertFalse(messages(e).contains(PRIVATE_BASE64), "the private key is quoted");
    assertEquals(Reason.MALFORMED_KEY_ID, e.reason(), e.reason().name());
  }

  @Test
  void aPemGivenAsTheKeyIdOfAnEcKeyIsNotQuoted() {
    String publicPem =
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getEncoder().encodeToString(Fixtures.EC_1.publicKey().getEncoded())
            + "\n-----END PUBLIC KEY-----\n";
    String ecPrivate =
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getEncoder().encodeToString(Fixtures.EC_1.privateKey().getEncoded())
            + "\n-----END PRIVATE KEY-----\n";
    SigningKeyException e =
        assertThrows(
            SigningKeyException.class,
            () -> SigningKey.fromPem(ecPrivate, SigningAlgorithm.ES256, "ec-1", publicPem));
    assertFalse(
        messages(e)
            .contains(
                Base64.getEncoder()
                    .encodeToString(Fixtures.EC_1.privateKey().getEncoded())
                    .substring(0, 40)),
        "the private key is quoted");
  }
}
