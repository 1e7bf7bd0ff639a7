package dev.hookline.admin.internal;

import dev.hookline.admin.AdminRequest;
import dev.hookline.admin.AdminResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Serves the admin page's files from the class path ({@code dev/hookline/admin/ui/}), each with the
 * strict security headers: scripts and styles from this origin only, no inline script, no framing,
 * no referrer. Thread-safe; files are read once and cached.
 */
final class StaticFiles {
  static final String ROOT = "/dev/hookline/admin/ui/";

  static final String CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self';"
          + " form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

  /** One path segment or several, each a plain file name: no "..", no hidden files. */
  private static final Pattern SAFE =
      Pattern.compile("([A-Za-z0-9_-][A-Za-z0-9._-]*/)*[A-Za-z0-9_-][A-Za-z0-9._-]*");

  private static final Map<String, String> TYPES =
      Map.of(
          "html", "text/html; charset=utf-8",
          "css", "text/css; charset=utf-8",
          "js", "text/javascript; charset=utf-8",
          "json", "application/json",
          "svg", "image/svg+xml",
          "png", "image/png",
          "ico", "image/x-icon",
          "txt", "text/plain; charset=utf-8");

  /** The page's own note of where the REST API is, rewritten to the configured base path. */
  private static final String API_BASE_META =
      "<meta name=\"hookline-api-base\" content=\"/api/v1\">";

  private final String pagePath;
  private final String apiBasePath;
  private final ConcurrentHashMap<String, Optional<byte[]>> cache = new ConcurrentHashMap<>();

  StaticFiles(String pagePath, String apiBasePath) {
    this.pagePath = pagePath;
    this.apiBasePath = apiBasePath;
  }

  boolean handles(String path) {
    return path.startsWith(pagePath) || path.equals(pagePath.substring(0, pagePath.length() - 1));
  }

  AdminResponse serve(AdminRequest request) {
    String path = request.path();
    if (!path.startsWith(pagePath)) {
      return response(301, Map.of("Location", pagePath), new byte[0], "text/plain; charset=utf-8");
    }
    if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
      return response(
          405,
          Map.of("Allow", "GET, HEAD"),
          text("method not allowed"),
          "text/plain; charset=utf-8");
    }
    String name = path.substring(pagePath.length());
    if (name.isEmpty()) {
      name = "index.html";
    }
    Optional<byte[]> body = SAFE.matcher(name).matches() ? load(name) : Optional.empty();
    if (body.isEmpty()) {
      return response(404, Map.of(), text("not found"), "text/plain; charset=utf-8");
    }
    int dot = name.lastIndexOf('.');
    String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    return response(
        200,
        Map.of("Cache-Control", "no-cache"),
        body.get(),
        TYPES.getOrDefault(ext, "application/octet-stream"));
  }

  private Optional<byte[]> load(String name) {
    // Only files that exist are remembered: the page is served before authentication, so a miss
    // remembered per name asked for would let anyone grow the map without bound.
    Optional<byte[]> cached = cache.get(name);
    if (cached != null) {
      return cached;
    }
    Optional<byte[]> read = read(name);
    if (read.isPresent()) {
      cache.putIfAbsent(name, read);
    }
    return read;
  }

  private Optional<byte[]> read(String n) {
    try (InputStream in = StaticFiles.class.getResourceAsStream(ROOT + n)) {
      if (in == null) {
        return Optional.empty();
      }
      byte[] bytes = in.readAllBytes();
      if (!n.equals("index.html")) {
        return Optional.of(bytes);
      }
      // The page calls the REST API where the host mounted it, not only at the default.
      String html = new String(bytes, StandardCharsets.UTF_8);
      String meta = "<meta name=\"hookline-api-base\" content=\"" + attribute(apiBasePath) + "\">";
      return Optional.of(html.replace(API_BASE_META, meta).getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String attribute(String value) {
    return value
        .replace("&", "&amp;")
        .replace("\"", "&quot;")
        .replace("<", "&lt;")
        .replace(">", "&gt;");
  }

  private static byte[] text(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static AdminResponse response(
      int status, Map<String, String> extra, byte[] body, String contentType) {
    Map<String, List<String>> h = new LinkedHashMap<>();
    h.put("Content-Type", List.of(contentType));
    h.put("Content-Security-Policy", List.of(CSP));
    h.put("X-Content-Type-Options", List.of("nosniff"));
    h.put("Referrer-Policy", List.of("no-referrer"));
    h.put("X-Frame-Options", List.of("DENY"));
    extra.forEach((k, v) -> h.put(k, List.of(v)));
    return new AdminResponse(status, h, body);
  }
}
