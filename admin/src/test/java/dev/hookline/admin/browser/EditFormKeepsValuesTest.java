package dev.hookline.admin.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * Saving the Edit form changes only what the user changed. A description may hold line breaks (the
 * API takes "printable characters, tabs and line breaks"), but the form shows it in a one-line
 * {@code <input>}, whose value drops them: renaming a webhook in the page silently rewrote its
 * description, joining its lines.
 */
class EditFormKeepsValuesTest extends BrowserTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void renamingAWebhookKeepsItsMultiLineDescription() throws Exception {
    String id = createWebhook("Multi-line", "\"user.created\"");
    String description = "Owner: billing team\nPager: +1 555 0100\nRunbook: wiki/billing-hooks";
    HttpResponse<String> set =
        server.call(
            "PATCH",
            "/webhooks/" + id,
            server.adminToken,
            "application/merge-patch+json",
            "{\"description\":" + jsonString(description) + "}");
    assertEquals(200, set.statusCode(), set.body());

    openSignedIn(server.adminToken);
    clickAction("Multi-line", "edit");
    WebElement name = waitVisible(By.id("f-name"));
    until(d -> "Multi-line".equals(name.getAttribute("value")), "the form is filled");
    fill("f-name", "Multi-line renamed");
    driver.findElement(By.id("form-submit")).click();
    waitVisible(By.id("view-list"));
    waitText(By.id("message"), "Saved");

    HttpResponse<String> after = server.get("/webhooks/" + id);
    assertEquals("Multi-line renamed", JSON.readTree(after.body()).get("name").asText());
    assertEquals(
        description,
        JSON.readTree(after.body()).get("description").asText(),
        "the description the user did not touch");
  }
}
