package dev.hookline.admin.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * An Edit form whose webhook could not be loaded (deleted meanwhile, a 503, the network) still said
 * "Edit webhook" and "Save changes", but with nothing loaded the page treated it as the Add form:
 * filling it in and choosing "Save changes" created a new webhook.
 */
class EditFormLoadFailureTest extends BrowserTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static int webhookCount() throws Exception {
    HttpResponse<String> r = server.get("/webhooks?limit=200");
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body()).get("data").size();
  }

  @Test
  void saveChangesOnAFormThatFailedToLoadCreatesNothing() throws Exception {
    String id = createWebhook("Gone soon", "\"user.created\"");
    HttpResponse<String> deleted =
        server.call("DELETE", "/webhooks/" + id, server.adminToken, null, null);
    assertEquals(204, deleted.statusCode(), deleted.body());
    int before = webhookCount();

    openSignedIn(server.adminToken);
    js("location.hash = arguments[0];", "#/webhooks/" + id + "/edit"); // an Edit link kept open
    waitText(By.id("error"), "404");
    waitText(By.id("form-submit"), "Save changes");
    fill("f-name", "Gone soon");
    fill("f-uri", server.listener.uri("/gone"));
    fill("f-api-key", "gone-api-key-0123456789");
    driver.findElement(By.id("ev-user-created")).click();
    if (driver.findElement(By.id("form-submit")).isEnabled()) {
      driver.findElement(By.id("form-submit")).click();
    }
    waitIdle();
    assertEquals(before, webhookCount(), "Save changes on an Edit form created a webhook");
  }

  @Test
  void aFormThatFailedToLoadLeavesTheNextFormsButtonUsable() throws Exception {
    String id = createWebhook("Gone before edit", "\"user.created\"");
    HttpResponse<String> deleted =
        server.call("DELETE", "/webhooks/" + id, server.adminToken, null, null);
    assertEquals(204, deleted.statusCode(), deleted.body());

    openSignedIn(server.adminToken);
    js("location.hash = arguments[0];", "#/webhooks/" + id + "/edit");
    waitText(By.id("error"), "404");
    waitIdle();
    // The user goes back and chooses "+ Add webhook": that form must be usable.
    js("location.hash = arguments[0];", "#/new");
    waitText(By.id("form-submit"), "Add webhook");
    waitIdle();
    assertTrue(
        driver.findElement(By.id("form-submit")).isEnabled(),
        "the Add form's button stays disabled after an Edit form failed to load");
  }
}
