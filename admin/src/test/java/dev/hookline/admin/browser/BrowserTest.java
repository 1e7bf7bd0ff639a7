package dev.hookline.admin.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * What every browser test class shares: one admin server and one headless Chromium per test JVM
 * ({@link SharedBrowser} starts them before the first class and stops them after the last), and
 * small helpers over the page. Waits are Selenium's bounded {@link WebDriverWait}s.
 */
@ExtendWith({RequiresChromium.class, SharedBrowser.class})
abstract class BrowserTest {
  static final Duration WAIT = Duration.ofSeconds(30);

  /**
   * How often a wait checks its condition again. Selenium's default, 500 ms, made each wait whose
   * condition was not met at once last half a second or more after it was (seconds per test); each
   * check is one WebDriver round trip, so checking sooner costs little.
   */
  static final Duration POLL = Duration.ofMillis(25);

  private static final Pattern WEBHOOK_ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern VERSION = Pattern.compile("\"version\"\\s*:\\s*(\\d+)");

  static AdminServer server;
  static ChromeDriver driver;

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Each test sees only its own console messages, and starts on a server without webhooks: the
   * server outlives the test class, and what earlier tests left would lengthen every list (and
   * every per-row request the page makes for it).
   */
  @BeforeEach
  void startClean() throws IOException, InterruptedException {
    consoleErrors();
    deleteEveryWebhook();
  }

  // ------------------------------------------------------------------ navigation

  /**
   * Opens the page at 1280×800 in a clean tab state: sessionStorage holds {@code token}, or nothing
   * when it is null. The storage is set from another document of the same origin first, so no page
   * of an earlier test is still running (and calling the API) while it changes.
   */
  static void openPage(String token) {
    viewport(1280, 800);
    driver.get(server.base() + "/admin/favicon.svg");
    js(
        "sessionStorage.clear();"
            + " if (arguments[0]) { sessionStorage.setItem('hookline.admin.token', arguments[0]); }",
        token);
    consoleErrors(); // whatever the previous page logged while it was left
    driver.get(server.page());
  }

  /** Opens the page signed in with {@code token}, on the Webhooks list, once it has loaded. */
  static void openSignedIn(String token) {
    openPage(token);
    waitVisible(By.id("view-list"));
    waitIdle();
  }

  /**
   * Sizes the window so that the page's viewport is {@code width}×{@code height} CSS pixels
   * (headless Chromium's window is larger than its viewport).
   */
  static void viewport(int width, int height) {
    driver.manage().window().setSize(new Dimension(width, height));
    for (int i = 0; i < 3; i++) {
      @SuppressWarnings("unchecked")
      List<Number> inner = (List<Number>) js("return [window.innerWidth, window.innerHeight];");
      int dw = width - inner.get(0).intValue();
      int dh = height - inner.get(1).intValue();
      if (dw == 0 && dh == 0) {
        return;
      }
      Dimension now = driver.manage().window().getSize();
      driver.manage().window().setSize(new Dimension(now.getWidth() + dw, now.getHeight() + dh));
    }
  }

  /** Waits until no request of the page is in flight. */
  static void waitIdle() {
    until(
        d -> "false".equals(d.findElement(By.id("main")).getAttribute("aria-busy")),
        "the page is idle");
  }

  static <T> T until(Function<WebDriver, T> condition, String what) {
    // the page re-renders its rows after each action: an element found a moment ago may be gone
    return new WebDriverWait(driver, WAIT)
        .pollingEvery(POLL)
        .withMessage(what)
        .ignoring(StaleElementReferenceException.class)
        .until(condition);
  }

  static WebElement waitVisible(By by) {
    return until(
        d -> {
          List<WebElement> found = d.findElements(by);
          return found.isEmpty() || !found.get(0).isDisplayed() ? null : found.get(0);
        },
        by + " is visible");
  }

  static String waitText(By by, String part) {
    return until(
        d -> {
          List<WebElement> found = d.findElements(by);
          if (found.isEmpty() || !found.get(0).isDisplayed()) {
            return null;
          }
          String text = found.get(0).getText();
          return text.contains(part) ? text : null;
        },
        by + " shows \"" + part + "\"");
  }

  static Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  /** The list's row of the webhook named {@code name}, once it is shown. */
  static WebElement row(String name) {
    return until(
        d ->
            d.findElements(By.cssSelector("#webhook-rows tr[data-id]")).stream()
                .filter(r -> name.equals(r.getAttribute("data-name")))
                .findFirst()
                .orElse(null),
        "a row for " + name);
  }

  /**
   * Clicks a row's action button, finding the row afresh: the list re-renders after each action, so
   * a row found a moment ago may be gone.
   */
  static void clickAction(String name, String action) {
    until(
        d -> {
          WebElement button = action(row(name), action).orElse(null);
          if (button == null) {
            return null;
          }
          button.click();
          return true;
        },
        "the " + action + " button of " + name);
  }

  static Optional<WebElement> action(WebElement row, String action) {
    return row.findElements(By.cssSelector("button[data-action='" + action + "']")).stream()
        .findFirst();
  }

  static void screenshot(String name) {
    try {
      Path dir = Chromium.screenshots();
      Files.createDirectories(dir);
      Files.write(dir.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The browser console's errors since the last call (CSP violations show up here too), but for
   * Chromium's own probe of {@code /favicon.ico} (a 404 outside the page's path), which it makes
   * for the bare {@code favicon.svg} document {@link #openPage} opens and may log after that page
   * was left: it is no error of the page, which names its icon.
   */
  static List<String> consoleErrors() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(LogEntry::getMessage)
        .filter(m -> !m.contains("/favicon.ico "))
        .collect(Collectors.toList());
  }

  // ------------------------------------------------------------------ the REST API, directly

  /** Creates a webhook on the loopback listener through the API; returns its id. */
  static String createWebhook(String name, String events) throws IOException, InterruptedException {
    String body =
        "{\"name\":"
            + jsonString(name)
            + ",\"description\":\"made by the test\",\"uri\":"
            + jsonString(server.listener.uri(path(name)))
            + ",\"api_key\":\"test-api-key-0123456789\",\"subscribed_events\":["
            + events
            + "]}";
    HttpResponse<String> r =
        server.call("POST", "/webhooks", server.adminToken, "application/json", body);
    assertEquals(201, r.statusCode(), r.body());
    Matcher m = WEBHOOK_ID.matcher(r.body());
    assertTrue(m.find(), r.body());
    return m.group(1);
  }

  /** The listener path of the webhook {@link #createWebhook} made for {@code name}. */
  static String path(String name) {
    return "/hooks/" + Integer.toHexString(name.hashCode());
  }

  /** Deletes every webhook of the server through the API. */
  static void deleteEveryWebhook() throws IOException, InterruptedException {
    while (true) {
      HttpResponse<String> list = server.get("/webhooks?limit=200");
      assertEquals(200, list.statusCode(), list.body());
      JsonNode data = JSON.readTree(list.body()).get("data");
      if (data.isEmpty()) {
        return;
      }
      for (JsonNode w : data) {
        HttpResponse<String> d =
            server.call(
                "DELETE", "/webhooks/" + w.get("id").asText(), server.adminToken, null, null);
        assertEquals(204, d.statusCode(), d.body());
      }
    }
  }

  /** Runs the handshake and enables the webhook through the API. */
  static void verifyAndEnable(String id) throws IOException, InterruptedException {
    HttpResponse<String> v =
        server.call("POST", "/webhooks/" + id + "/verify", server.adminToken, null, null);
    assertEquals(200, v.statusCode(), v.body());
    HttpResponse<String> e =
        server.call("POST", "/webhooks/" + id + "/enable", server.adminToken, null, null);
    assertEquals(200, e.statusCode(), e.body());
  }

  static long version(String id) throws IOException, InterruptedException {
    HttpResponse<String> r = server.get("/webhooks/" + id);
    assertEquals(200, r.statusCode(), r.body());
    Matcher m = VERSION.matcher(r.body());
    assertTrue(m.find(), r.body());
    return Long.parseLong(m.group(1));
  }

  static String jsonString(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
