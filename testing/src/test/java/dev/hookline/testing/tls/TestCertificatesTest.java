package dev.hookline.testing.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.CertificateExpiredException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

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
}
