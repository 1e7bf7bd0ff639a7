package dev.hookline.admin.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * The delivery log of webhook B must not be labelled with webhook A's name and counts. When the
 * read of A (opened first) answered after the user had gone on to B, the page set the heading to
 * "Deliveries of A" and A's summary over B's deliveries, while "Redeliver all since…" and each
 * row's action still acted on B: an operator redelivering "A's" failures redelivered B's. A slow
 * answer is simulated in the page by holding the one fetch of A's webhook until B is shown.
 */
class DeliveriesViewRaceTest extends BrowserTest {

  @Test
  void aLateAnswerForTheWebhookOpenedFirstDoesNotRelabelTheOneShownNow() throws Exception {
    String a = createWebhook("Race A", "\"user.created\"");
    String b = createWebhook("Race B", "\"user.created\"");
    verifyAndEnable(b);
    server.publishUserCreated("u-race");
    until(
        d -> {
          try {
            return server.get("/webhooks/" + b + "/summary").body().contains("\"total\":1");
          } catch (Exception e) {
            return false;
          }
        },
        "B has its delivery");

    openSignedIn(server.adminToken);
    // hold the answer to GET .../webhooks/{A} (only that one) until released
    js(
        "const id = arguments[0];"
            + " window.__held = new Promise((r) => { window.__release = r; });"
            + " const original = window.fetch;"
            + " window.fetch = function (url, opts) {"
            + "   const path = new URL(String(url), location.href).pathname;"
            + "   if (path.endsWith('/webhooks/' + id) && (!opts || !opts.method || opts.method === 'GET')) {"
            + "     return window.__held.then(() => original(url, opts));"
            + "   }"
            + "   return original(url, opts);"
            + " };",
        a);

    clickAction("Race A", "deliveries");
    waitVisible(By.id("view-deliveries"));
    driver.findElement(By.id("deliveries-back")).click();
    waitVisible(By.id("view-list"));
    clickAction("Race B", "deliveries");
    waitText(By.id("deliveries-heading"), "Race B");
    waitText(By.id("deliveries-summary"), "1 total");
    until(
        d -> d.findElements(By.cssSelector("#delivery-rows tr[data-delivery]")).size() == 1,
        "B's row");

    js("window.__release();");
    waitIdle();
    String heading = driver.findElement(By.id("deliveries-heading")).getText();
    String summary = driver.findElement(By.id("deliveries-summary")).getText();
    assertTrue(heading.contains("Race B"), "the heading over B's deliveries says: " + heading);
    assertTrue(summary.startsWith("1 total"), "the summary over B's deliveries says: " + summary);
    assertEquals(1, driver.findElements(By.cssSelector("#delivery-rows tr[data-delivery]")).size());
  }
}
