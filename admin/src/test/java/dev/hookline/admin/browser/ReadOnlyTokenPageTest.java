package dev.hookline.admin.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/** A token without write scopes sees no edit actions, and the API refuses edits anyway. */
class ReadOnlyTokenPageTest extends BrowserTest {

  @Test
  void aReadOnlyTokenSeesNoEditActionsAndTheApiRefusesEditsAnyway() throws Exception {
    String id = createWebhook("Look, don't touch", "\"user.created\"");
    openSignedIn(server.readOnlyToken);
    waitText(By.id("session-who"), "webhooks:read");
    WebElement row = row("Look, don't touch");
    waitIdle();
    List<String> actions =
        row.findElements(By.cssSelector("button[data-action]")).stream()
            .map(b -> b.getAttribute("data-action"))
            .collect(Collectors.toList());
    assertEquals(List.of("deliveries"), actions, "only Deliveries is offered");
    assertFalse(driver.findElement(By.id("add-webhook")).isDisplayed());
    screenshot("15-read-only-list");

    action(row, "deliveries").orElseThrow().click();
    waitText(By.id("deliveries-heading"), "Look, don't touch");
    assertFalse(driver.findElement(By.id("recover-form")).isDisplayed(), "no Redeliver all");

    // the page's own token, used directly from the page: the server refuses every edit
    @SuppressWarnings("unchecked")
    Map<String, Object> statuses =
        (Map<String, Object>)
            driver.executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                    + "const id = arguments[0];"
                    + "const h = {Authorization: 'Bearer ' + sessionStorage.getItem('hookline.admin.token')};"
                    + "const call = (m, p, body, type) => fetch('/api/v1' + p, {method: m,"
                    + "  headers: Object.assign({'Content-Type': type || 'application/json', 'If-Match': '\"1\"'}, h),"
                    + "  body: body}).then(r => r.status);"
                    + "Promise.all(["
                    + "  call('PATCH', '/webhooks/' + id, '{\"name\":\"pwned\"}', 'application/merge-patch+json'),"
                    + "  call('POST', '/webhooks/' + id + '/disable'),"
                    + "  call('DELETE', '/webhooks/' + id),"
                    + "  call('POST', '/webhooks', '{\"name\":\"x\",\"uri\":\"http://127.0.0.1:1/x\","
                    + "\"api_key\":\"k-0123456789abcdef\",\"subscribed_events\":[\"user.created\"]}')"
                    + "]).then(s => done({patch: s[0], disable: s[1], del: s[2], create: s[3]}),"
                    + " e => done({error: String(e)}));",
                id);
    assertEquals(Map.of("patch", 403L, "disable", 403L, "del", 403L, "create", 403L), statuses);
    HttpResponse<String> still = server.get("/webhooks/" + id);
    assertEquals(200, still.statusCode());
    assertTrue(still.body().contains("Look, don't touch"), still.body());
  }
}
