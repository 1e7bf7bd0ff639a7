package dev.hookline.testing.tls;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Objects;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A server certificate issued by a {@link TestCertificates} authority, with its private key: what
 * an HTTPS listener in a test presents ({@link #serverContext()}, for example in the JDK's {@code
 * HttpsServer} through an {@code HttpsConfigurator}).
 *
 * <p>Immutable and thread-safe; {@link #serverContext()} returns a new context on every call.
 */
public final class ServerCertificate {
  private final PrivateKey key;
  private final X509Certificate certificate;
  private final X509Certificate issuer;

  ServerCertificate(PrivateKey key, X509Certificate certificate, X509Certificate issuer) {
    this.key = Objects.requireNonNull(key, "key");
    this.certificate = Objects.requireNonNull(certificate, "certificate");
    this.issuer = Objects.requireNonNull(issuer, "issuer");
  }

  /**
   * Returns the certificate (its validity and subject alternative names are as issued).
   *
   * @return the certificate
   */
  public X509Certificate certificate() {
    return certificate;
  }

  /**
   * Returns a TLS context that presents this certificate and its issuer's, as a server does.
   *
   * @return a new server-side context
   * @throws IllegalStateException if the JDK cannot build the context
   */
  public SSLContext serverContext() {
    try {
      char[] password = TestCertificates.STORE_PASSWORD.toCharArray();
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("server", key, password, new Certificate[] {certificate, issuer});
      KeyManagerFactory keys =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, password);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("could not build a server TLS context", e);
    }
  }

  @Override
  public String toString() {
    return "ServerCertificate["
        + certificate.getSubjectX500Principal().getName()
        + ", valid "
        + certificate.getNotBefore().toInstant()
        + " to "
        + certificate.getNotAfter().toInstant()
        + "]";
  }
}
