package dev.hookline.admin.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * The late-answer fix of the fourth review round covered the delivery log, not the Edit form: when
 * the read of webhook A (its Edit form opened first) answers after the user has gone on to "+ Add
 * webhook", the page fills the Add form with A's values and makes it A's Edit form underneath (the
 * button still says "Add webhook"): what the user then adds overwrites A, and nothing is created. A
 * slow answer is simulated by holding the one fetch of A's webhook until the Add form is shown.
 */
class EditFormLateAnswerTest extends BrowserTest {

  @Test
  void aLateAnswerForAnEditFormLeftBehindDoesNotTurnTheAddFormIntoIt() throws Exception {
    String a = createWebhook("Late A", "\"user.created\"");
    openSignedIn(server.adminToken);
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
    js("location.hash = arguments[0];", "#/webhooks/" + a + "/edit");
    waitText(By.id("form-submit"), "Save changes");
    js("location.hash = arguments[0];", "#/new");
    waitText(By.id("form-submit"), "Add webhook");
    js("window.__release();");
    waitIdle();

    fill("f-name", "Brand new");
    fill("f-uri", server.listener.uri("/brand-new"));
    fill("f-api-key", "brand-new-api-key-0123456789");
    if (!driver.findElement(By.id("ev-user-created")).isSelected()) {
      driver.findElement(By.id("ev-user-created")).click();
    }
    driver.findElement(By.id("form-submit")).click();
    waitIdle();

    HttpResponse<String> stillA = server.get("/webhooks/" + a);
    assertEquals(200, stillA.statusCode(), stillA.body());
    assertTrue(
        stillA.body().contains("\"name\":\"Late A\""),
        "the Add form saved over webhook A: " + stillA.body());
    assertTrue(
        server.get("/webhooks?limit=200").body().contains("\"name\":\"Brand new\""),
        "no webhook was added");
  }
}
