package dev.hookline.admin.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * Text a tenant chooses (a webhook's name and description) is shown as text in the list, the
 * confirmation dialog, the Edit form and the delivery log heading, never parsed as HTML.
 */
class TenantTextAsTextTest extends BrowserTest {
  static final String MARKUP = "<img src=x onerror=\"window.__xss=1\"><b>bold</b>";

  @Test
  void markupInANameIsShownAsText() throws Exception {
    String id = createWebhook(MARKUP, "\"user.created\"");
    openSignedIn(server.adminToken);
    waitText(By.id("webhook-rows"), "<img src=x");
    clickAction(MARKUP, "deliveries");
    waitText(By.id("deliveries-heading"), "<img src=x");
    driver.navigate().to(driver.getCurrentUrl().replace("/deliveries", "/edit"));
    until(
        d -> MARKUP.equals(d.findElement(By.id("f-name")).getAttribute("value")) ? true : null,
        "the Edit form shows the name");
    waitText(By.id("form-heading"), "<img src=x");
    assertEquals(
        0L, ((Number) js("return document.querySelectorAll('img, b').length;")).longValue());
    assertTrue(js("return window.__xss;") == null);
    assertEquals(List.of(), consoleErrors());
    assertTrue(id.startsWith("wh_"));
  }
}
