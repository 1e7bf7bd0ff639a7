package dev.hookline.admin.browser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.openqa.selenium.UnexpectedAlertBehaviour;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Where the browser tests find Debian's Chromium and chromedriver, and how they start them: the
 * binary and the driver are given explicitly, so Selenium Manager never runs and nothing is
 * downloaded. {@code -Dhookline.chromium=...} and {@code -Dhookline.chromedriver=...} point
 * elsewhere; {@code -Dhookline.browser.required=true} (CI) turns a missing browser into a failure.
 */
final class Chromium {
  static final String INSTALL_HINT = "apt-get install -y chromium chromium-driver";

  private Chromium() {}

  static Path binary() {
    return Path.of(System.getProperty("hookline.chromium", "/usr/bin/chromium"));
  }

  static Path driver() {
    return Path.of(System.getProperty("hookline.chromedriver", "/usr/bin/chromedriver"));
  }

  static boolean required() {
    return Boolean.parseBoolean(System.getProperty("hookline.browser.required", "false"));
  }

  /** Whether both executables are there; the reason when not. */
  static String missing() {
    StringBuilder why = new StringBuilder();
    for (Path p : new Path[] {binary(), driver()}) {
      if (!Files.isExecutable(p)) {
        why.append(why.length() == 0 ? "" : " and ").append(p);
      }
    }
    return why.toString();
  }

  /** Where screenshots go: target/screenshots of the module. */
  static Path screenshots() {
    return Path.of(System.getProperty("hookline.screenshots", "target/screenshots"));
  }

  /**
   * Starts one headless Chromium with a fresh profile in {@code profile}, at 1280×800.
   *
   * @param profile an empty directory for --user-data-dir
   * @param extraArguments more switches, such as {@code --host-resolver-rules=...}
   * @return the driver; the caller quits it
   */
  static ChromeDriver start(Path profile, String... extraArguments) {
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(driver().toFile())
            .usingAnyFreePort()
            .withTimeout(Duration.ofSeconds(30))
            .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(binary().toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-default-apps",
        "--password-store=basic",
        "--window-size=1280,800",
        "--user-data-dir=" + profile.toAbsolutePath());
    options.addArguments(extraArguments);
    // an alert must stay open so that a test can see it (the XSS test), not be dismissed silently
    options.setUnhandledPromptBehaviour(UnexpectedAlertBehaviour.IGNORE);
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    return new ChromeDriver(service, options);
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  // Chromium may still be writing a file as it exits: the temp dir is left behind
                }
              });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
