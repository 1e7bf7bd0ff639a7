package dev.hookline.admin.browser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * Starts the admin server and one headless Chromium (with a fresh profile) before the first browser
 * test class of a test JVM, and stops them when that JVM's tests end: starting Chromium is the
 * slowest step (5 to 12 s on a loaded CI machine), so each JVM pays for it once. They are kept in
 * the launcher session's store, not the root context's: with more than one fork, surefire runs each
 * test class as a request of its own, and the root context (with what its store holds) is closed
 * after every class, which started a new Chromium and server for each. Each test still opens the
 * page afresh, with its own token in sessionStorage, on a server without webhooks ({@link
 * BrowserTest#startClean}).
 */
final class SharedBrowser implements BeforeAllCallback {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(SharedBrowser.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    Resources r =
        context
            .getStore(ExtensionContext.StoreScope.LAUNCHER_SESSION, NAMESPACE)
            .getOrComputeIfAbsent(Resources.class, k -> new Resources(), Resources.class);
    BrowserTest.server = r.server;
    BrowserTest.driver = r.driver;
  }

  /** The server, the browser and its profile directory; closed once, when the session ends. */
  static final class Resources implements AutoCloseable {
    final AdminServer server;
    final Path profile;
    final ChromeDriver driver;

    Resources() {
      try {
        server = new AdminServer();
        profile = Files.createTempDirectory("hookline-chromium-");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      ChromeDriver started;
      try {
        // InsecureOriginPageTest's host name, on loopback (and never through a proxy); no other
        // test uses it, so they can share this browser rather than start one of their own
        started =
            Chromium.start(
                profile,
                "--host-resolver-rules=MAP " + InsecureOriginPageTest.HOST + " 127.0.0.1",
                "--no-proxy-server");
      } catch (RuntimeException e) {
        server.close();
        Chromium.deleteTree(profile);
        throw e;
      }
      driver = started;
    }

    @Override
    public void close() {
      try {
        driver.quit();
      } finally {
        server.close();
        Chromium.deleteTree(profile);
      }
    }
  }
}
