package dev.hookline.admin.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The page's shipped files keep the rules the CSP and the XSS defence rely on, checked on the
 * source (no browser needed, so this runs on every machine): no inline script, style or event
 * handler, and no API in admin.js that parses a string as HTML or code.
 */
class PageSourceTest {
  private static final String UI = "/dev/hookline/admin/ui/";

  private static String read(String name) throws IOException {
    try (InputStream in = PageSourceTest.class.getResourceAsStream(UI + name)) {
      assertNotNull(in, "the jar ships " + UI + name);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static List<String> all(Pattern p, String text) {
    List<String> found = new ArrayList<>();
    Matcher m = p.matcher(text);
    while (m.find()) {
      found.add(m.group());
    }
    return found;
  }

  @Test
  void indexHasNoInlineScriptStyleOrEventHandler() throws IOException {
    String html = read("index.html");
    List<String> scripts = all(Pattern.compile("<script\\b[^>]*>"), html);
    assertEquals(List.of("<script src=\"admin.js\" defer>"), scripts);
    assertEquals(List.of(), all(Pattern.compile("<style\\b"), html));
    assertEquals(List.of(), all(Pattern.compile("\\sstyle\\s*="), html));
    assertEquals(
        List.of(), all(Pattern.compile("\\son[a-z]+\\s*=", Pattern.CASE_INSENSITIVE), html));
    assertEquals(List.of(), all(Pattern.compile("javascript:", Pattern.CASE_INSENSITIVE), html));
    assertTrue(html.contains("<link rel=\"stylesheet\" href=\"admin.css\">"));
  }

  @Test
  void everyInputSelectAndTextareaHasALabel() throws IOException {
    String html = read("index.html");
    Matcher fields =
        Pattern.compile("<(input|select|textarea)\\b[^>]*\\bid=\"([^\"]+)\"").matcher(html);
    int checked = 0;
    while (fields.find()) {
      String id = fields.group(2);
      assertTrue(html.contains("<label for=\"" + id + "\""), "a <label for=\"" + id + "\">");
      checked++;
    }
    assertTrue(checked >= 12, "found only " + checked + " fields");
    // events are checkboxes made by admin.js, each inside its <label for>
    assertTrue(read("admin.js").contains("el('label', { for: id"));
  }

  @Test
  void scriptNeverParsesStringsAsHtmlOrCode() throws IOException {
    String js = read("admin.js");
    for (String banned :
        List.of(
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
            "new Function",
            "setTimeout(",
            "setInterval(",
            "createContextualFragment",
            "DOMParser",
            ".style.",
            "document.cookie",
            "localStorage")) {
      assertTrue(!js.contains(banned), "admin.js must not use " + banned);
    }
    assertTrue(
        js.contains("sessionStorage.setItem(TOKEN_KEY"), "the token lives in sessionStorage");
    assertTrue(js.contains("credentials: 'omit'"), "requests never carry cookies");
  }

  @Test
  void stylesheetHasNoRemoteOrScriptedContent() throws IOException {
    String css = read("admin.css");
    assertEquals(
        List.of(),
        all(Pattern.compile("@import|url\\(|expression\\(", Pattern.CASE_INSENSITIVE), css));
  }
}
