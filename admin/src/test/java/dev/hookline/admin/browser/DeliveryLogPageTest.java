package dev.hookline.admin.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/** One webhook's delivery log: deliveries, attempt timelines, failures and redelivery. */
class DeliveryLogPageTest extends BrowserTest {

  @Test
  void enableThenPublishAndSeeTheDeliveryInTheLog() throws Exception {
    String id = createWebhook("Delivered", "\"user.created\"");
    server.call("POST", "/webhooks/" + id + "/verify", server.adminToken, null, null);
    openSignedIn(server.adminToken);
    clickAction("Delivered", "enable");
    waitText(By.id("message"), "Enabled");

    int before = server.listener.notifications();
    server.publishUserCreated("u-delivered");
    clickAction("Delivered", "deliveries");
    waitText(By.id("deliveries-heading"), "Delivered");
    WebElement delivery = deliveryIn("SUCCEEDED");
    assertTrue(server.listener.notifications() > before);
    assertTrue(delivery.getText().contains("User created"), delivery.getText());
    assertTrue(delivery.getText().contains("204"), delivery.getText());
    waitText(By.id("deliveries-summary"), "1 succeeded");

    delivery.findElement(By.cssSelector("button[data-action='attempts']")).click();
    WebElement timeline = waitVisible(By.cssSelector("#delivery-rows tr.detail .timeline"));
    assertTrue(timeline.getText().contains("HTTP 204"), timeline.getText());
    screenshot("11-delivery-log");
    assertEquals(List.of(), consoleErrors());
  }

  @Test
  void aFailedDeliveryIsShownAndRedeliveredUntilItSucceeds() throws Exception {
    String id = createWebhook("Flaky endpoint", "\"user.created\"");
    verifyAndEnable(id);
    server.listener.failWith(path("Flaky endpoint"), 500);
    try {
      server.publishUserCreated("u-flaky");
      openSignedIn(server.adminToken);
      clickAction("Flaky endpoint", "deliveries");
      waitText(By.id("deliveries-heading"), "Flaky endpoint");
      driver.findElement(By.id("d-show-failed")).click();
      WebElement failed = deliveryIn("FAILED");
      assertTrue(failed.getText().contains("500"), failed.getText());
      failed.findElement(By.cssSelector("button[data-action='attempts']")).click();
      WebElement timeline = waitVisible(By.cssSelector("#delivery-rows tr.detail .timeline"));
      until(d -> timeline.getText().contains("HTTP 500"), "the timeline shows the 500s");
      assertTrue(
          timeline.findElements(By.cssSelector("li.attempt")).size() >= 2, timeline.getText());
      screenshot("12-failed-delivery-attempts");

      server.listener.succeed(path("Flaky endpoint"));
      failed.findElement(By.cssSelector("button[data-action='redeliver']")).click();
      waitText(By.id("message"), "Redelivery queued");
      new Select(driver.findElement(By.id("d-state"))).selectByValue("SUCCEEDED");
      driver.findElement(By.cssSelector("#deliveries-filter button[type='submit']")).click();
      WebElement succeeded = deliveryIn("SUCCEEDED");
      assertTrue(succeeded.getText().contains("204"), succeeded.getText());
      screenshot("13-redelivered");
    } finally {
      server.listener.succeed(path("Flaky endpoint"));
    }
  }

  @Test
  void redeliverAllSinceRedeliversEveryFailedDeliveryInTheWindow() throws Exception {
    String id = createWebhook("Outage", "\"user.created\"");
    verifyAndEnable(id);
    server.listener.failWith(path("Outage"), 503);
    try {
      server.publishUserCreated("u-outage-1");
      server.publishUserCreated("u-outage-2");
      openSignedIn(server.adminToken);
      clickAction("Outage", "deliveries");
      waitText(By.id("deliveries-heading"), "Outage");
      new Select(driver.findElement(By.id("d-state"))).selectByValue("FAILED");
      until(
          d -> {
            refresh();
            return states().stream().filter("FAILED"::equals).count() == 2 ? true : null;
          },
          "two failed deliveries");
      server.listener.succeed(path("Outage"));
      // the form comes filled with "24 hours ago"
      assertTrue(!driver.findElement(By.id("recover-since")).getAttribute("value").isEmpty());
      driver.findElement(By.id("recover-submit")).click();
      waitText(By.id("message"), "Redelivering 2 failed deliveries");
      new Select(driver.findElement(By.id("d-state"))).selectByValue("");
      until(
          d -> {
            refresh();
            return states().stream().filter("SUCCEEDED"::equals).count() >= 2 ? true : null;
          },
          "both deliveries succeed after the redelivery");
      waitText(By.id("deliveries-summary"), "succeeded");
      screenshot("14-redeliver-all-since");
    } finally {
      server.listener.succeed(path("Outage"));
    }
  }

  // ------------------------------------------------------------------ helpers

  private static void refresh() {
    waitIdle();
    driver.findElement(By.cssSelector("#deliveries-filter button[type='submit']")).click();
    waitIdle();
  }

  private static List<String> states() {
    return driver.findElements(By.cssSelector("#delivery-rows tr[data-delivery]")).stream()
        .map(r -> r.getAttribute("data-state"))
        .collect(Collectors.toList());
  }

  /** Refreshes the log until a delivery in {@code state} is listed; returns its row. */
  private static WebElement deliveryIn(String state) {
    return until(
        d -> {
          refresh();
          return d.findElements(By.cssSelector("#delivery-rows tr[data-delivery]")).stream()
              .filter(r -> state.equals(r.getAttribute("data-state")))
              .findFirst()
              .orElse(null);
        },
        "a " + state + " delivery in the log");
  }
}
