package dev.hookline.admin.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.UserEvents;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

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
      choose("d-state", "SUCCEEDED", false);
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
      choose("d-state", "FAILED", false);
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
      choose("d-state", "", false);
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

    choose("d-type", "User deleted", true);
    refresh();
    List<String> types = types();
    assertEquals(List.of("user.deleted"), types);
    screenshot("16-delivery-log-filtered-by-type");

    // a window that starts in an hour holds nothing
    choose("d-type", "", false);
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
    return rowAttributes("data-event-type");
  }

  /** The attribute {@code name} of each listed delivery, in one script call. */
  @SuppressWarnings("unchecked")
  private static List<String> rowAttributes(String name) {
    return (List<String>)
        js(
            "return Array.from(document.querySelectorAll('#delivery-rows tr[data-delivery]'),"
                + " (r) => r.getAttribute(arguments[0]));",
            name);
  }

  private static void refresh() {
    waitIdle();
    driver.findElement(By.cssSelector("#deliveries-filter button[type='submit']")).click();
    waitIdle();
  }

  private static List<String> states() {
    return rowAttributes("data-state");
  }

  /** Refreshes the log until a delivery in {@code state} is listed; returns its row. */
  private static WebElement deliveryIn(String state) {
    return until(
        d -> {
          refresh();
          return (WebElement)
              js(
                  "return Array.from(document.querySelectorAll('#delivery-rows tr[data-delivery]'))"
                      + ".find((r) => r.getAttribute('data-state') === arguments[0]) || null;",
                  state);
        },
        "a " + state + " delivery in the log");
  }
}
