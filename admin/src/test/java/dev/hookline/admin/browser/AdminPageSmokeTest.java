package dev.hookline.admin.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/** The page loads in Chromium under its strict CSP, without a console error, and signs in. */
class AdminPageSmokeTest extends BrowserTest {
  static final String CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self';"
          + " form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

  @Test
  void pageIsServedWithAStrictCspAndLoadsWithoutConsoleErrors() throws Exception {
    HttpResponse<String> page =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(server.page()))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, page.statusCode());
    assertEquals(CSP, page.headers().firstValue("Content-Security-Policy").orElse(""));
    assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElse(""));
    assertTrue(page.body().contains("<script src=\"admin.js\" defer></script>"), page.body());

    openPage(null);
    WebElement input = waitVisible(By.id("token-input"));
    assertEquals("password", input.getAttribute("type"));
    // the input is labelled: its accessible name comes from the <label for>
    assertEquals("API token", input.getAccessibleName());
    // admin.js ran (it shows the sign-in view), so the CSP let the page's own script in
    assertTrue(driver.findElement(By.id("view-list")).getAttribute("hidden") != null);
    screenshot("01-sign-in");
    assertEquals(List.of(), consoleErrors());
  }

  @Test
  void tokenIsKeptInSessionStorageNotInACookie() {
    openPage(null);
    waitVisible(By.id("token-input")).sendKeys(server.adminToken);
    driver.findElement(By.id("token-submit")).click();
    waitVisible(By.id("view-list"));
    waitText(By.id("session-who"), "webhooks:write");
    assertEquals(server.adminToken, js("return sessionStorage.getItem('hookline.admin.token');"));
    assertEquals("", js("return document.cookie;"));
    assertTrue(driver.manage().getCookies().isEmpty());
    waitIdle();
    assertEquals(List.of(), consoleErrors());

    driver.findElement(By.id("forget-token")).click();
    waitVisible(By.id("token-input"));
    assertEquals(null, js("return sessionStorage.getItem('hookline.admin.token');"));
  }

  @Test
  void aRefusedTokenSaysSoAndStaysOnTheSignInForm() {
    openPage(null);
    waitVisible(By.id("token-input")).sendKeys("hkl_not-a-real-token");
    driver.findElement(By.id("token-submit")).click();
    String error = waitText(By.id("error"), "401");
    assertTrue(error.contains("token was refused"), error);
    assertTrue(driver.findElement(By.id("token-input")).isDisplayed());
    assertFalse(driver.findElement(By.id("view-list")).isDisplayed());
    assertEquals(null, js("return sessionStorage.getItem('hookline.admin.token');"));
  }
}
