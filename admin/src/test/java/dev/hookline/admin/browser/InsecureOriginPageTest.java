package dev.hookline.admin.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page on an origin that is not a secure context: plain http to a host name other than
 * localhost, as on a development machine reached over the LAN (here a name that Chromium maps to
 * 127.0.0.1, so nothing leaves loopback). Everything else works there, but "+ Add webhook" called
 * {@code crypto.randomUUID()} for its Idempotency-Key, which browsers offer only in secure
 * contexts: submitting the form threw, and the page showed nothing at all, neither a result nor an
 * error.
 */
class InsecureOriginPageTest extends BrowserTest {
  /** A name the shared Chromium maps to 127.0.0.1 ({@link SharedBrowser}). */
  static final String HOST = "hookline-admin.test";

  @Test
  void addWebhookWorksOrSaysWhyOnAPlainHttpOrigin() {
    String origin = "http://" + HOST + ":" + server.server.getAddress().getPort();
    viewport(1280, 800);
    driver.get(origin + "/admin/favicon.svg");
    js(
        "sessionStorage.clear(); sessionStorage.setItem('hookline.admin.token', arguments[0]);",
        server.adminToken);
    driver.get(origin + "/admin/");
    waitVisible(By.id("view-list"));
    assertEquals(false, js("return window.isSecureContext;"), "the premise");

    driver.findElement(By.id("add-webhook")).click();
    waitVisible(By.id("view-form"));
    fill("f-name", "Over the LAN");
    fill("f-uri", server.listener.uri("/lan"));
    fill("f-api-key", "lan-api-key-0123456789");
    driver.findElement(By.id("ev-user-created")).click();
    driver.findElement(By.id("form-submit")).click();
    try {
      new WebDriverWait(driver, Duration.ofSeconds(15))
          .pollingEvery(POLL)
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
