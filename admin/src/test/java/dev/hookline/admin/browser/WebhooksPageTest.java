package dev.hookline.admin.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/** The Webhooks list, the Add and Edit forms and the row actions, in Chromium. */
class WebhooksPageTest extends BrowserTest {

  @Test
  void addWebhookRunsTheHandshakeAgainstTheLoopbackListenerAndShowsTheSecretOnce() {
    openSignedIn(server.adminToken);
    int handshakes = server.listener.handshakes();
    driver.findElement(By.id("add-webhook")).click();
    waitVisible(By.id("view-form"));
    // typing into these fields is aWebhookCanBeAddedWithTheKeyboardAlone's
    fill("f-name", "CRM sync");
    fill("f-description", "Every sign-up");
    fill("f-uri", server.listener.uri("/crm"));
    fill("f-api-key", "crm-api-key-0123456789");
    WebElement created = driver.findElement(By.id("ev-user-created"));
    created.click();
    assertTrue(created.isSelected());
    // not subscribable: shown, disabled, and said to be not supported
    WebElement deletion = driver.findElement(By.id("ev-user-deletion_requested"));
    assertFalse(deletion.isEnabled());
    WebElement deletionLabel =
        driver.findElement(By.cssSelector("label[for='ev-user-deletion_requested']"));
    assertTrue(
        deletionLabel.getText().contains("User deletion requested"), deletionLabel.getText());
    assertTrue(deletionLabel.getText().contains("not supported"), deletionLabel.getText());
    screenshot("02-add-webhook-form");

    driver.findElement(By.id("form-submit")).click();
    WebElement secret = waitVisible(By.id("secret-value"));
    until(d -> secret.getAttribute("value").startsWith("whsec_"), "the signing secret is shown");
    String handshake = waitText(By.id("secret-handshake"), "Handshake passed");
    assertTrue(server.listener.handshakes() > handshakes, "the listener saw the handshake");
    screenshot("03-signing-secret-and-handshake");
    driver.findElement(By.id("secret-done")).click();
    waitVisible(By.id("view-list"));
    waitIdle();
    // shown once: gone from the page after the dialog closes
    assertEquals("", driver.findElement(By.id("secret-value")).getAttribute("value"));
    WebElement row = row("CRM sync");
    until(d -> row.getText().contains("Verified"), "the row says Verified");
    assertTrue(row.getText().contains("Every sign-up"), row.getText());
    assertTrue(waitText(By.id("message"), "Handshake passed").contains("CRM sync"), handshake);
    screenshot("04-webhooks-list");
    assertEquals(List.of(), consoleErrors());
  }

  @Test
  void editingAStaleVersionShowsAClearConflictAndSavesNothing() throws Exception {
    String id = createWebhook("Stale edit", "\"user.created\"");
    openSignedIn(server.adminToken);
    clickAction("Stale edit", "edit");
    WebElement description = waitVisible(By.id("f-description"));
    until(d -> "made by the test".equals(description.getAttribute("value")), "the form is filled");
    long opened = version(id);

    // someone else changes it meanwhile
    HttpResponse<String> other =
        server.call(
            "PATCH",
            "/webhooks/" + id,
            server.adminToken,
            "application/merge-patch+json",
            "{\"description\":\"changed elsewhere\"}");
    assertEquals(200, other.statusCode(), other.body());

    fill("f-description", "my change");
    driver.findElement(By.id("form-submit")).click();
    String conflict = waitText(By.id("conflict-text"), "Conflict");
    assertTrue(conflict.contains("changed by someone else"), conflict);
    assertTrue(conflict.contains("NOT saved"), conflict);
    assertTrue(conflict.contains("version " + opened), conflict);
    assertTrue(waitText(By.id("error"), "412").contains("stale version"));
    screenshot("05-edit-conflict");
    assertTrue(server.get("/webhooks/" + id).body().contains("changed elsewhere"));

    // reloading brings the current values, and saving then works
    driver.findElement(By.id("conflict-reload")).click();
    until(
        d ->
            "changed elsewhere".equals(d.findElement(By.id("f-description")).getAttribute("value")),
        "the current version is loaded");
    fill("f-description", "my change");
    driver.findElement(By.id("form-submit")).click();
    waitVisible(By.id("view-list"));
    waitText(By.id("message"), "Saved");
    assertTrue(server.get("/webhooks/" + id).body().contains("my change"));
  }

  @Test
  void aNameWithMarkupIsShownAsTextAndRunsNoScript() throws Exception {
    String name = "<img src=x onerror=alert(1)>";
    createWebhook(name, "\"user.created\"");
    openSignedIn(server.adminToken);
    WebElement row = row(name);
    assertEquals(name, row.findElement(By.cssSelector(".name")).getText());
    assertEquals(0L, js("return document.querySelectorAll('img').length;"));
    assertThrows(NoAlertPresentException.class, () -> driver.switchTo().alert());
    // the Edit form and the delivery log show it as text too
    action(row, "deliveries").orElseThrow().click();
    assertTrue(waitText(By.id("deliveries-heading"), name).contains(name));
    assertEquals(0L, js("return document.querySelectorAll('img').length;"));
    screenshot("06-markup-name-as-text");
    driver.findElement(By.id("deliveries-back")).click();
    clickAction(name, "edit");
    until(d -> name.equals(d.findElement(By.id("f-name")).getAttribute("value")), "the form");
    assertTrue(waitText(By.id("form-heading"), name).contains(name));
    assertEquals(0L, js("return document.querySelectorAll('img').length;"));
    assertThrows(NoAlertPresentException.class, () -> driver.switchTo().alert());
    assertEquals(List.of(), consoleErrors());
  }

  @Test
  void aWebhookCanBeAddedWithTheKeyboardAlone() {
    openSignedIn(server.adminToken);
    tabTo("add-webhook");
    press(Keys.ENTER);
    waitVisible(By.id("view-form"));
    until(d -> "f-name".equals(focused()), "focus moves to the Name field");
    press("Keyboard only");
    tabTo("f-description");
    press("Added without a mouse");
    tabTo("f-uri");
    press(server.listener.uri("/keyboard"));
    tabTo("f-api-key");
    press("keyboard-api-key-0123456789");
    tabTo("ev-user-created");
    press(Keys.SPACE);
    tabTo("ev-user-updated");
    press(Keys.SPACE);
    assertTrue(driver.findElement(By.id("ev-user-created")).isSelected());
    assertTrue(driver.findElement(By.id("ev-user-updated")).isSelected());
    tabTo("form-submit");
    press(Keys.ENTER);
    // the secret dialog takes the focus; Tab reaches its button, Enter closes it
    waitVisible(By.id("secret-value"));
    waitText(By.id("secret-handshake"), "Handshake passed");
    tabTo("secret-done");
    press(Keys.ENTER);
    waitVisible(By.id("view-list"));
    WebElement row = row("Keyboard only");
    until(d -> row.getText().contains("Verified"), "the new webhook is verified");
  }

  @Test
  void theListFitsA390x844Phone() throws Exception {
    createWebhook("Phone-sized list with a rather long name", "\"user.created\", \"user.deleted\"");
    openSignedIn(server.adminToken);
    viewport(390, 844);
    assertEquals(390L, js("return window.innerWidth;"));
    assertEquals(844L, js("return window.innerHeight;"));
    WebElement row = row("Phone-sized list with a rather long name");
    // one card per webhook: nothing wider than the screen, no sideways scrolling
    long scroll = (Long) js("return document.documentElement.scrollWidth;");
    long width = (Long) js("return window.innerWidth;");
    assertTrue(scroll <= width, "scrollWidth " + scroll + " > viewport " + width);
    assertEquals("block", row.getCssValue("display"));
    assertTrue(driver.findElement(By.id("add-webhook")).isDisplayed());
    WebElement edit = action(row, "edit").orElseThrow();
    assertTrue(edit.isDisplayed());
    assertTrue(edit.getRect().getX() + edit.getRect().getWidth() <= width);
    screenshot("07-list-390x844");
    edit.click();
    waitVisible(By.id("f-name"));
    long formScroll = (Long) js("return document.documentElement.scrollWidth;");
    assertTrue(formScroll <= width, "the form scrolls sideways: " + formScroll);
    screenshot("08-edit-form-390x844");
    viewport(1280, 800);
  }

  @Test
  void aBadFilterIsReportedAtTheFilterField() {
    openSignedIn(server.adminToken);
    driver.findElement(By.id("add-webhook")).click();
    waitVisible(By.id("f-name"));
    fill("f-name", "Bad filter");
    fill("f-uri", server.listener.uri("/bad-filter"));
    fill("f-api-key", "filter-api-key-0123456789");
    driver.findElement(By.id("ev-user-updated")).click();
    fill("f-filter", "type == ");
    driver.findElement(By.id("form-submit")).click();
    WebElement error = waitVisible(By.id("f-filter-error"));
    assertFalse(error.getText().isBlank());
    assertEquals("true", driver.findElement(By.id("f-filter")).getAttribute("aria-invalid"));
    assertEquals("f-filter", focused(), "focus goes to the field in error");
    screenshot("09-filter-error-at-field");
    assertTrue(driver.findElement(By.id("view-form")).isDisplayed(), "still on the form");
  }

  @Test
  void rowActionsEnableDisableSendTestRotateAndDeleteWithConfirmation() throws Exception {
    String id = createWebhook("Row actions", "\"user.created\"");
    openSignedIn(server.adminToken);
    clickAction("Row actions", "verify");
    waitText(By.id("message"), "Handshake passed for \u201cRow actions\u201d");

    clickAction("Row actions", "enable");
    waitText(By.id("message"), "Enabled \u201cRow actions\u201d");
    until(d -> action(row("Row actions"), "disable").isPresent(), "Disable is offered");
    assertTrue(server.get("/webhooks/" + id).body().contains("\"enabled\":true"));

    int before = server.listener.notifications();
    clickAction("Row actions", "test");
    waitText(By.id("message"), "Test notification sent");
    until(d -> server.listener.notifications() > before, "the test notification arrives");

    clickAction("Row actions", "rotate");
    WebElement secret = waitVisible(By.id("secret-value"));
    until(d -> secret.getAttribute("value").startsWith("whsec_"), "the new secret is shown");
    driver.findElement(By.id("secret-done")).click();
    waitIdle();

    clickAction("Row actions", "disable");
    waitText(By.id("message"), "Disabled \u201cRow actions\u201d");
    until(d -> action(row("Row actions"), "enable").isPresent(), "Enable is offered");

    clickAction("Row actions", "delete");
    waitText(By.id("confirm-text"), "Row actions");
    screenshot("10-delete-confirmation");
    driver.findElement(By.id("confirm-cancel")).click();
    assertEquals(200, server.get("/webhooks/" + id).statusCode(), "Cancel deletes nothing");
    clickAction("Row actions", "delete");
    waitVisible(By.id("confirm-ok")).click();
    waitText(By.id("message"), "Deleted \u201cRow actions\u201d");
    assertEquals(404, server.get("/webhooks/" + id).statusCode());
    waitIdle();
    assertTrue(
        driver.findElements(By.cssSelector("#webhook-rows tr[data-id='" + id + "']")).isEmpty());
  }

  // ------------------------------------------------------------------ keyboard helpers

  /** The id of the element that has the focus (one script call). */
  private static String focused() {
    return (String) js("const a = document.activeElement; return a ? a.id : null;");
  }

  /** Types {@code keys} into whatever has the focus, as a keyboard does. */
  private static void press(CharSequence... keys) {
    new Actions(driver).sendKeys(keys).perform();
  }

  /** Presses Tab until the element with {@code id} has the focus: reachable by keyboard. */
  private static void tabTo(String id) {
    for (int i = 0; i < 60; i++) {
      if (id.equals(focused())) {
        return;
      }
      press(Keys.TAB);
    }
    throw new AssertionError("Tab never reaches #" + id + "; stuck at " + focused());
  }
}
