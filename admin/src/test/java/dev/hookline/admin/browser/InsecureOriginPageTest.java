package dev.hookline.admin.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page on an origin that is not a secure context: plain http to a host name other than
 * localhost, as on a development machine reached over the LAN (here a name that Chromium maps to
 * 127.0.0.1, so nothing leaves loopback). Everything else works there, but "+ Add webhook" called
 * {@code crypto.randomUUID()} for its Idempotency-Key, which browsers offer only in secure
 * contexts: submitting the form threw, and the page showed nothing at all, neither a result nor an
 * error.
 */
@ExtendWith(RequiresChromium.class)
class InsecureOriginPageTest {
  private static final String HOST = "hookline-admin.test";
  static AdminServer server;
  static Path profile;
  static ChromeDriver driver;

  @BeforeAll
  static void start() throws Exception {
    server = new AdminServer();
    profile = Files.createTempDirectory("hookline-chromium-insecure-");
    driver =
        Chromium.start(
            profile, "--host-resolver-rules=MAP " + HOST + " 127.0.0.1", "--no-proxy-server");
  }

  @AfterAll
  static void stop() {
    try {
      if (driver != null) {
        driver.quit();
      }
    } finally {
      server.close();
      Chromium.deleteTree(profile);
    }
  }

  private static Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  @Test
  void addWebhookWorksOrSaysWhyOnAPlainHttpOrigin() {
    String origin = "http://" + HOST + ":" + server.server.getAddress().getPort();
    driver.get(origin + "/admin/favicon.svg");
    js("sessionStorage.setItem('hookline.admin.token', arguments[0]);", server.adminToken);
    driver.get(origin + "/admin/");
    WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
    wait.until(d -> d.findElement(By.id("view-list")).isDisplayed());
    assertEquals(false, js("return window.isSecureContext;"), "the premise");

    driver.findElement(By.id("add-webhook")).click();
    wait.until(d -> d.findElement(By.id("view-form")).isDisplayed());
    driver.findElement(By.id("f-name")).sendKeys("Over the LAN");
    driver.findElement(By.id("f-uri")).sendKeys(server.listener.uri("/lan"));
    driver.findElement(By.id("f-api-key")).sendKeys("lan-api-key-0123456789");
    driver.findElement(By.id("ev-user-created")).click();
    driver.findElement(By.id("form-submit")).click();
    try {
      new WebDriverWait(driver, Duration.ofSeconds(15))
          .until(
              d -> {
                WebElement secret = d.findElement(By.id("secret-value"));
                return (secret.isDisplayed() && secret.getAttribute("value").startsWith("whsec_"))
                    || d.findElement(By.id("error")).isDisplayed();
              });
    } catch (TimeoutException e) {
      List<String> console =
          driver.manage().logs().get("browser").getAll().stream().map(l -> l.getMessage()).toList();
      fail(
          "submitting the form showed neither the signing secret nor an error; console: "
              + console);
    }
    assertEquals(
        "",
        driver.findElement(By.id("error")).isDisplayed()
            ? driver.findElement(By.id("error")).getText()
            : "",
        "the webhook is created");
  }
}
