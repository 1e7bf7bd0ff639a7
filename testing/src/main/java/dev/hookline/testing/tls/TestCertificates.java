package dev.hookline.testing.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;

/**
 * A throwaway certificate authority for tests over real TLS on loopback, made when the test runs:
 * no private key is checked in. The JDK has no public API to make certificates, so this runs the
 * JDK's own {@code keytool} ({@code java.home/bin/keytool}) in a temporary directory, which it
 * deletes again.
 *
 * <pre>{@code
 * TestCertificates ca = TestCertificates.authority("Test CA");
 * ServerCertificate server = ca.issue("127.0.0.1", "localhost");
 * HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
 * https.setHttpsConfigurator(new HttpsConfigurator(server.serverContext()));
 * HttpClient client = HttpClient.newBuilder().sslContext(ca.clientContext()).build();
 * }</pre>
 *
 * <p>Each {@code keytool} run starts a JVM (about half a second), so make authorities and
 * certificates once per test class. Keys are EC P-256; the leaf certificates of one JVM share one
 * key pair, which is harmless for tests and saves two runs per certificate.
 *
 * <p>Immutable and thread-safe.
 */
public final class TestCertificates {
  /** The password of the temporary key stores: they never leave the test, so it is no secret. */
  static final String STORE_PASSWORD = "hookline-test-only";

  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Duration KEYTOOL_TIMEOUT = Duration.ofSeconds(60);
  private static final int MAX_OUTPUT_IN_MESSAGE = 8192;
  private static final Object LEAF_KEY_LOCK = new Object();
  private static @Nullable LeafKey leafKey; // guarded by LEAF_KEY_LOCK

  private final byte[] keyStore;
  private final X509Certificate certificate;

  private TestCertificates(byte[] keyStore, X509Certificate certificate) {
    this.keyStore = keyStore;
    this.certificate = certificate;
  }

  /**
   * Makes a new certificate authority, valid from a day ago for ten years.
   *
   * @param name its common name, for example {@code "Hookline test CA"}: letters, digits, spaces,
   *     {@code - . _} only
   * @return the authority
   * @throws IllegalStateException if {@code keytool} fails
   */
  public static TestCertificates authority(String name) {
    Objects.requireNonNull(name, "name");
    if (!name.matches("[A-Za-z0-9 ._-]{1,64}")) {
      throw new IllegalArgumentException(
          "the name must be 1 to 64 letters, digits, spaces or - . _ characters");
    }
    return inTemporaryDirectory(
        dir -> {
          Path store = dir.resolve("ca.p12");
          keytool(
              "-genkeypair",
              "-alias",
              "ca",
              "-keyalg",
              "EC",
              "-groupname",
              "secp256r1",
              "-dname",
              "CN=" + name + ", O=Hookline tests",
              "-ext",
              "bc:c",
              "-ext",
              "ku:c=keyCertSign,cRLSign",
              "-startdate",
              "-1d",
              "-validity",
              "3650",
              "-keystore",
              store.toString(),
              "-storetype",
              "PKCS12",
              "-storepass",
              STORE_PASSWORD,
              "-keypass",
              STORE_PASSWORD);
          byte[] bytes = Files.readAllBytes(store);
          KeyStore ks = load(bytes);
          return new TestCertificates(bytes, (X509Certificate) ks.getCertificate("ca"));
        });
  }

  /**
   * Returns this authority's (self-signed) certificate.
   *
   * @return the certificate
   */
  public X509Certificate certificate() {
    return certificate;
  }

  /**
   * Returns a trust store that holds only this authority's certificate.
   *
   * @return a new trust store
   */
  public KeyStore trustStore() {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", certificate);
      return trust;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("could not build a trust store", e);
    }
  }

  /**
   * Returns a client-side TLS context that trusts this authority and nothing else, for example for
   * {@code HttpClient.newBuilder().sslContext(...)}.
   *
   * @return a new client-side context
   */
  public SSLContext clientContext() {
    try {
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trustStore());
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("could not build a client TLS context", e);
    }
  }

  /**
   * Issues a server certificate for the given hosts, valid from an hour ago for 30 days.
   *
   * @param hosts its subject alternative names: IPv4 literals ({@code 127.0.0.1}) become IP names,
   *     anything else DNS names; at least one
   * @return the certificate with its key
   * @throws IllegalStateException if {@code keytool} fails
   */
  public ServerCertificate issue(String... hosts) {
    return issue("-1H", 30, hosts);
  }

  /**
   * Issues a server certificate for the given hosts that expired nine days ago (it was valid for
   * one day, from ten days ago).
   *
   * @param hosts its subject alternative names, as for {@link #issue(String...)}
   * @return the certificate with its key
   * @throws IllegalStateException if {@code keytool} fails
   */
  public ServerCertificate issueExpired(String... hosts) {
    return issue("-10d", 1, hosts);
  }

  private ServerCertificate issue(String startDate, int validityDays, String... hosts) {
    List<String> names = new ArrayList<>();
    for (String host : hosts) {
      Objects.requireNonNull(host, "host");
      if (!host.matches("[A-Za-z0-9.-]{1,253}")) {
        throw new IllegalArgumentException("not a host name or IPv4 literal: " + host);
      }
      names.add((IPV4.matcher(host).matches() ? "ip:" : "dns:") + host.toLowerCase(Locale.ROOT));
    }
    if (names.isEmpty()) {
      throw new IllegalArgumentException("name at least one host");
    }
    LeafKey leaf = leafKey();
    return inTemporaryDirectory(
        dir -> {
          Path ca = Files.write(dir.resolve("ca.p12"), keyStore);
          Path request = Files.write(dir.resolve("leaf.csr"), leaf.request);
          Path issued = dir.resolve("leaf.pem");
          keytool(
              "-gencert",
              "-alias",
              "ca",
              "-keystore",
              ca.toString(),
              "-storetype",
              "PKCS12",
              "-storepass",
              STORE_PASSWORD,
              "-infile",
              request.toString(),
              "-outfile",
              issued.toString(),
              "-rfc",
              "-dname",
              "CN=" + hosts[0] + ", O=Hookline tests",
              "-startdate",
              startDate,
              "-validity",
              Integer.toString(validityDays),
              "-ext",
              "san=" + String.join(",", names),
              "-ext",
              "eku=serverAuth",
              "-ext",
              "ku:c=digitalSignature");
          X509Certificate cert;
          try (InputStream in = Files.newInputStream(issued)) {
            cert =
                (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
          }
          return new ServerCertificate(leaf.key, cert, certificate);
        });
  }

  /** The key pair every leaf certificate of this JVM uses, with its certificate request. */
  private static LeafKey leafKey() {
    synchronized (LEAF_KEY_LOCK) {
      LeafKey k = leafKey;
      if (k == null) {
        k =
            inTemporaryDirectory(
                dir -> {
                  Path store = dir.resolve("leaf.p12");
                  Path request = dir.resolve("leaf.csr");
                  keytool(
                      "-genkeypair",
                      "-alias",
                      "leaf",
                      "-keyalg",
                      "EC",
                      "-groupname",
                      "secp256r1",
                      "-dname",
                      "CN=leaf, O=Hookline tests",
                      "-keystore",
                      store.toString(),
                      "-storetype",
                      "PKCS12",
                      "-storepass",
                      STORE_PASSWORD,
                      "-keypass",
                      STORE_PASSWORD);
                  keytool(
                      "-certreq",
                      "-alias",
                      "leaf",
                      "-keystore",
                      store.toString(),
                      "-storetype",
                      "PKCS12",
                      "-storepass",
                      STORE_PASSWORD,
                      "-file",
                      request.toString());
                  KeyStore ks = load(Files.readAllBytes(store));
                  PrivateKey key = (PrivateKey) ks.getKey("leaf", STORE_PASSWORD.toCharArray());
                  return new LeafKey(key, Files.readAllBytes(request));
                });
        leafKey = k;
      }
      return k;
    }
  }

  private static final class LeafKey {
    final PrivateKey key;
    final byte[] request;

    LeafKey(PrivateKey key, byte[] request) {
      this.key = key;
      this.request = request;
    }
  }

  private static KeyStore load(byte[] bytes) throws GeneralSecurityException, IOException {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(new ByteArrayInputStream(bytes), STORE_PASSWORD.toCharArray());
    return ks;
  }

  private static void keytool(String... arguments) throws IOException {
    String executable =
        System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows")
            ? "keytool.exe"
            : "keytool";
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", executable).toString());
    command.add("-J-Duser.language=en"); // messages in English, whatever the machine's locale
    // A short-lived JVM: start-up dominates, which the quick compiler and serial GC shorten.
    command.add("-J-XX:TieredStopAtLevel=1");
    command.add("-J-XX:+UseSerialGC");
    command.addAll(List.of(arguments));
    run(command, KEYTOOL_TIMEOUT, "keytool " + arguments[0]);
  }

  /**
   * Runs a command to its end within {@code timeout}, or kills it and fails naming {@code what}.
   * Its output goes to a file, not a pipe: reading a pipe to its end would wait as long as the
   * child (or a child of it) keeps it open, and the bound would never be reached.
   */
  static void run(List<String> command, Duration timeout, String what) throws IOException {
    Path log = Files.createTempFile("hookline-keytool-", ".log");
    try {
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
              .start();
      p.getOutputStream().close();
      try {
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          kill(p);
          throw new IllegalStateException(
              what + " did not finish within " + timeout + "; its output: " + output(log));
        }
      } catch (InterruptedException e) {
        kill(p);
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while " + what + " ran", e);
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(what + " failed (" + p.exitValue() + "): " + output(log));
      }
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private static void kill(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    try {
      // Bounded: only so that the output file is complete and can be deleted.
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The start of a command's output, for an exception message. */
  private static String output(Path log) throws IOException {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(log)) {
      bytes = in.readNBytes(MAX_OUTPUT_IN_MESSAGE);
    }
    return new String(bytes, StandardCharsets.UTF_8).trim();
  }

  private interface InDirectory<T> {
    T run(Path dir) throws IOException, GeneralSecurityException;
  }

  private static <T> T inTemporaryDirectory(InDirectory<T> work) {
    Path dir;
    try {
      dir = Files.createTempDirectory("hookline-tls-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      return work.run(dir);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("could not make test certificates: " + e, e);
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(f);
        }
      } catch (IOException e) {
        // a leftover temporary directory holds only throwaway test keys
      }
    }
  }

  @Override
  public String toString() {
    return "TestCertificates[" + certificate.getSubjectX500Principal().getName() + "]";
  }
}
