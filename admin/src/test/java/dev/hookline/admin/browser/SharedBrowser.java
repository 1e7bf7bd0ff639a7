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
 * test class, and stops them when the whole run ends (JUnit closes what the root store holds):
 * starting Chromium is the slowest step, so the suite pays for it once. Each test still opens the
 * page afresh, with its own token in sessionStorage.
 */
final class SharedBrowser implements BeforeAllCallback {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(SharedBrowser.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    Resources r =
        context
            .getRoot()
            .getStore(NAMESPACE)
            .getOrComputeIfAbsent(Resources.class, k -> new Resources(), Resources.class);
    BrowserTest.server = r.server;
    BrowserTest.driver = r.driver;
  }

  /** The server, the browser and its profile directory; closed once, at the end of the run. */
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
        started = Chromium.start(profile);
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
