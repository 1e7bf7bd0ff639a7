package dev.hookline.admin.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.UserEvents;
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

  @Test
  void theLogFiltersByEventTypeAndTime() throws Exception {
    String id = createWebhook("Two kinds", "\"user.created\", \"user.deleted\"");
    verifyAndEnable(id);
    server.publish(UserEvents.DELETED, "u-filter-1");
    server.publish(UserEvents.CREATED, "u-filter-2");
    openSignedIn(server.adminToken);
    clickAction("Two kinds", "deliveries");
    waitText(By.id("deliveries-heading"), "Two kinds");
    until(
        d -> {
          refresh();
          return states().stream().filter("SUCCEEDED"::equals).count() == 2 ? true : null;
        },
        "both deliveries succeed");

    new Select(driver.findElement(By.id("d-type"))).selectByVisibleText("User deleted");
    refresh();
    List<String> types = types();
    assertEquals(List.of("user.deleted"), types);
    screenshot("16-delivery-log-filtered-by-type");

    // a window that starts in an hour holds nothing
    new Select(driver.findElement(By.id("d-type"))).selectByValue("");
    js(
        "arguments[0].value = arguments[1];",
        driver.findElement(By.id("d-since")),
        js(
            "const d = new Date(Date.now() + 3600e3);"
                + " const p = (n) => String(n).padStart(2, '0');"
                + " return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate())"
                + " + 'T' + p(d.getHours()) + ':' + p(d.getMinutes()) + ':00';"));
    refresh();
    assertEquals(List.of(), types());
    assertTrue(driver.findElement(By.id("deliveries-empty")).isDisplayed());

    // without the window, both are back
    js("arguments[0].value = '';", driver.findElement(By.id("d-since")));
    refresh();
    assertEquals(2, types().size(), types().toString());
  }

  // ------------------------------------------------------------------ helpers

  private static List<String> types() {
    return driver.findElements(By.cssSelector("#delivery-rows tr[data-delivery]")).stream()
        .map(r -> r.getAttribute("data-event-type"))
        .collect(Collectors.toList());
  }

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
