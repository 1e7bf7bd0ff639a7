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
    // measured first: the window is nearly always the right size already, and a resize is a round
    // trip that takes up to a second on a loaded machine
    for (int i = 0; i < 4; i++) {
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
        d ->
            js(
                "const m = document.getElementById('main');"
                    + " return !!m && m.getAttribute('aria-busy') === 'false';"),
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

  /**
   * Page script that sets {@code e} to the first element found by the locator in arguments[0] and
   * [1] (see {@link #locator}) and {@code shown} to whether it is displayed: rendered (neither it
   * nor an ancestor has display: none, as a closed dialog's content has), not visibility: hidden
   * and not at opacity 0, what Selenium's isDisplayed checks for this page's elements. The waits
   * below check the page in one script call each time: finding the element, asking whether it is
   * displayed and reading its text were three WebDriver round trips, 50 to 300 ms each on a loaded
   * machine.
   */
  private static final String FIND =
      "const e = arguments[0] === 'id' ? document.getElementById(arguments[1])"
          + " : document.querySelector(arguments[1]);"
          + " const shown = !!e"
          + " && e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});";

  /** {@code by} (a By.id or By.cssSelector) as the two script arguments {@link #FIND} reads. */
  private static Object[] locator(By by, Object... more) {
    By.Remotable.Parameters p = ((By.Remotable) by).getRemoteParameters();
    if (!p.using().equals("id") && !p.using().equals("css selector")) {
      throw new IllegalArgumentException("only By.id and By.cssSelector: " + by);
    }
    Object[] args = new Object[2 + more.length];
    args[0] = p.using();
    args[1] = p.value();
    System.arraycopy(more, 0, args, 2, more.length);
    return args;
  }

  /** The first element {@code by} finds, once it is displayed. */
  static WebElement waitVisible(By by) {
    return until(
        d -> (WebElement) js(FIND + " return shown ? e : null;", locator(by)), by + " is visible");
  }

  /**
   * The text of the first element {@code by} finds, once it is displayed and its text contains
   * {@code part}: its text as rendered, each line with runs of spaces and tabs (between table
   * cells) as one space and trimmed, without empty lines and with no-break spaces as spaces, as
   * Selenium's getText gives it.
   */
  static String waitText(By by, String part) {
    return until(
        d ->
            (String)
                js(
                    FIND
                        + " if (!shown) { return null; }"
                        + " const t = e.innerText.replace(/\\u00a0/g, ' ').split('\\n')"
                        + ".map((l) => l.replace(/[ \\t]+/g, ' ').trim())"
                        + ".filter((l) => l).join('\\n');"
                        + " return t.includes(arguments[2]) ? t : null;",
                    locator(by, part)),
        by + " shows \"" + part + "\"");
  }

  static Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  /**
   * Gives the field {@code id} the value {@code value} in one script call, with the input and
   * change events that typing fires, if a user could type there (it is displayed and neither
   * disabled nor read-only). For tests about what the page does with a value, not about typing it:
   * sendKeys sends events per character and takes up to a second per field on a loaded machine. The
   * keyboard test ({@code WebhooksPageTest}) and the sign-in tests type for real.
   */
  static void fill(String id, String value) {
    Object refused =
        js(
            FIND
                + " if (!shown) { return 'is not displayed'; }"
                + " if (e.disabled || e.readOnly) { return 'is disabled or read-only'; }"
                + " e.value = arguments[2];"
                + " e.dispatchEvent(new Event('input', {bubbles: true}));"
                + " e.dispatchEvent(new Event('change', {bubbles: true}));"
                + " return null;",
            locator(By.id(id), value));
    assertEquals(null, refused, "#" + id + " cannot be filled in");
  }

  /**
   * Chooses the option of the select {@code id} whose value (or, with {@code byText}, whose text)
   * is {@code option}, with the input and change events, in one script call (Selenium's Select
   * takes six round trips).
   */
  static void choose(String id, String option, boolean byText) {
    Object refused =
        js(
            FIND
                + " if (!shown || e.disabled) { return 'is not displayed or disabled'; }"
                + " const o = Array.from(e.options).find((x) =>"
                + "   (arguments[3] ? x.text.trim() : x.value) === arguments[2]);"
                + " if (!o || o.disabled) { return 'has no enabled option ' + arguments[2]; }"
                + " e.value = o.value;"
                + " e.dispatchEvent(new Event('input', {bubbles: true}));"
                + " e.dispatchEvent(new Event('change', {bubbles: true}));"
                + " return null;",
            locator(By.id(id), option, byText));
    assertEquals(null, refused, "#" + id);
  }

  /** Page script that sets {@code row} to the list's row of the webhook named arguments[0]. */
  private static final String ROW =
      "const row = Array.from(document.querySelectorAll('#webhook-rows tr[data-id]'))"
          + ".find((r) => r.getAttribute('data-name') === arguments[0]);";

  /** The list's row of the webhook named {@code name}, once it is shown. */
  static WebElement row(String name) {
    // one script call, not a round trip per row to read its name
    return until(d -> (WebElement) js(ROW + " return row || null;", name), "a row for " + name);
  }

  /**
   * Clicks a row's action button, finding the row afresh: the list re-renders after each action, so
   * a row found a moment ago may be gone.
   */
  static void clickAction(String name, String action) {
    until(
        d -> {
          WebElement button =
              (WebElement)
                  js(
                      ROW
                          + " return row ? row.querySelector("
                          + "'button[data-action=\"' + CSS.escape(arguments[1]) + '\"]') : null;",
                      name,
                      action);
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
