package dev.hookline.set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.set.SigningKeyException.Reason;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review round 11: {@code SigningKey.fromKeyStore} picks the algorithm from the entry's key, ES256
 * for an EC key and RS256 for anything else. An entry holding a key Hookline does not sign with
 * (Ed25519, DSA) was then refused with "RS256 needs an RSA key": a message about an algorithm the
 * caller never chose, naming neither the entry's key type nor what is accepted. It now names the
 * key type and the two that are.
 */
class KeyStoreKeyTypeReviewTest {

  private static KeyStore storeWith(Path dir, String keyalg) throws Exception {
    Path file = dir.resolve("signing.p12");
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "sig",
                "-keyalg",
                keyalg,
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
          new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(new ByteArrayInputStream(Files.readAllBytes(file)), "changeit".toCharArray());
    return store;
  }

  @Test
  void anEd25519EntryIsRefusedNamingItsKeyTypeAndTheAcceptedOnes(@TempDir Path dir)
      throws Exception {
    KeyStore store = storeWith(dir, "Ed25519");
    SigningKeyException e =
        assertThrows(
            SigningKeyException.class,
            () -> SigningKey.fromKeyStore("ks-ed", store, "sig", "changeit".toCharArray()));
    assertEquals(Reason.WRONG_KEY_TYPE, e.reason());
    String message = e.getMessage();
    assertTrue(message.contains("Ed25519") || message.contains("EdDSA"), message);
    assertTrue(message.contains("RSA") && message.contains("P-256"), message);
    assertFalse(message.contains("RS256 needs"), message);
  }
}
