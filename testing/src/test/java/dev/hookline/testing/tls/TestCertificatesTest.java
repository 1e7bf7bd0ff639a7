package dev.hookline.testing.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateExpiredException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestCertificatesTest {
  private static final TestCertificates CA = TestCertificates.authority("Test CA");

  @Test
  void anIssuedCertificateNamesItsHostsAndChainsToTheAuthority() throws Exception {
    ServerCertificate server = CA.issue("127.0.0.1", "localhost");
    X509Certificate cert = server.certificate();

    cert.verify(CA.certificate().getPublicKey());
    cert.checkValidity();
    assertEquals(
        Set.of(List.of(7, "127.0.0.1"), List.of(2, "localhost")),
        cert.getSubjectAlternativeNames().stream()
            .map(n -> List.of(n.get(0), n.get(1)))
            .collect(Collectors.toSet()));
    assertEquals(List.of("1.3.6.1.5.5.7.3.1"), cert.getExtendedKeyUsage(), "serverAuth");
    assertEquals(-1, cert.getBasicConstraints(), "not a CA");
    assertTrue(CA.certificate().getBasicConstraints() >= 0, "the authority is a CA");
    assertEquals("TLS", server.serverContext().getProtocol());
    assertTrue(CA.trustStore().isCertificateEntry("ca"));
  }

  @Test
  void anExpiredCertificateExpiredDaysAgo() throws Exception {
    X509Certificate cert = CA.issueExpired("127.0.0.1").certificate();
    assertThrows(CertificateExpiredException.class, cert::checkValidity);
    assertTrue(
        cert.getNotAfter().toInstant().isBefore(Instant.now().minus(Duration.ofDays(8))),
        cert.getNotAfter().toInstant().toString());
  }

  @Test
  void namesAreChecked() {
    assertThrows(IllegalArgumentException.class, () -> TestCertificates.authority("CN=x, O=y"));
    assertThrows(IllegalArgumentException.class, () -> CA.issue());
    assertThrows(IllegalArgumentException.class, () -> CA.issue("bad host"));
  }

  /**
   * A keytool that hangs (a stuck entropy source, a prompt) must fail the test within the bound
   * rather than hang the build: the bound holds although the child keeps its output open.
   */
  @Test
  void aCommandThatHangsIsKilledAtTheBound(@TempDir Path dir) throws Exception {
    Path program = dir.resolve("Hang.java");
    Files.writeString(
        program,
        "public class Hang { public static void main(String[] a) throws Exception {"
            + " System.out.println(\"hanging on purpose\"); System.out.flush();"
            + " new java.util.concurrent.CountDownLatch(1).await(); } }",
        StandardCharsets.UTF_8);
    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), program.toString());
    try {
      IllegalStateException e =
          assertTimeoutPreemptively(
              Duration.ofSeconds(30),
              () ->
                  assertThrows(
                      IllegalStateException.class,
                      () -> TestCertificates.run(command, Duration.ofSeconds(2), "hang")));
      assertTrue(e.getMessage().startsWith("hang did not finish within PT2S"), e.getMessage());
    } finally {
      // Whatever happened above, leave no hanging JVM behind.
      ProcessHandle.current()
          .descendants()
          .filter(h -> h.info().commandLine().orElse("").contains(program.toString()))
          .forEach(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  void aFailingCommandReportsItsErrorOutput() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                TestCertificates.run(
                    List.of(
                        Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                        "-J-Duser.language=en",
                        "-no-such-option"),
                    Duration.ofSeconds(60),
                    "keytool -no-such-option"));
    assertTrue(e.getMessage().startsWith("keytool -no-such-option failed ("), e.getMessage());
    assertTrue(e.getMessage().contains("-no-such-option"), e.getMessage());
  }
}
