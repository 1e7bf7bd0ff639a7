package dev.hookline.delivery.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.ErrorKind;
import java.io.IOException;
import java.security.cert.CertificateNotYetValidException;
import java.util.Optional;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/**
 * The details of the TLS failures a loopback listener cannot easily produce; TlsTest covers the
 * untrusted, wrong-host and expired certificates over real TLS.
 */
class TlsFailureDetailTest {

  private static SendOutcome classify(Throwable failure) {
    return HttpSender.classify(failure, "hooks.example.com", 0);
  }

  @Test
  void aCertificateNotYetValidSaysSoAndPointsAtTheClock() {
    SSLHandshakeException e = new SSLHandshakeException("PKIX path validation failed");
    e.initCause(new CertificateNotYetValidException("NotBefore: Fri Jan 01 00:00:00 UTC 2027"));
    SendOutcome o = classify(e);
    assertEquals(Optional.of(ErrorKind.TLS_FAILED), o.error());
    assertEquals(
        "certificate not yet valid (NotBefore: Fri Jan 01 00:00:00 UTC 2027); check the endpoint's"
            + " certificate, and this host's clock",
        o.detail());
  }

  @Test
  void anUntrustedChainWrappedInAnIoExceptionIsStillATlsFailure() {
    IOException e =
        new IOException(
            "wrapped",
            new SSLHandshakeException(
                "PKIX path building failed: unable to find valid certification path"));
    SendOutcome o = classify(e);
    assertEquals(Optional.of(ErrorKind.TLS_FAILED), o.error());
    assertTrue(o.detail().startsWith("certificate not trusted (PKIX path building failed)"));
  }

  @Test
  void anyOtherTlsFailureKeepsTheJdksWords() {
    SendOutcome o = classify(new SSLException("Received fatal alert: handshake_failure"));
    assertEquals(Optional.of(ErrorKind.TLS_FAILED), o.error());
    assertEquals(
        "TLS handshake failed: SSLException: Received fatal alert: handshake_failure", o.detail());
  }
}
