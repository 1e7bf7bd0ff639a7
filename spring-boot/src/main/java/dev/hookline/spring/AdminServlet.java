package dev.hookline.spring;

import dev.hookline.admin.AdminApi;
import dev.hookline.admin.AdminRequest;
import dev.hookline.admin.AdminResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serial;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;

/**
 * Passes every request to an {@link AdminApi} and writes its answer back, as the admin module's
 * {@code AdminHttpHandlers} does for the JDK's server. The API is built with paths that include the
 * context path and the mount ({@code /ctx/hookline/api/v1}), because it writes them back to the
 * client (the page's API base, {@code Location} headers): so it is handed the whole decoded path.
 *
 * <p>Thread-safe: the API is.
 */
final class AdminServlet extends HttpServlet {
  @Serial private static final long serialVersionUID = 1L;

  // Servlets are Serializable; this one is never serialized (it lives in an embedded container).
  @SuppressWarnings("serial")
  private final AdminApi api;

  AdminServlet(AdminApi api) {
    this.api = api;
  }

  /** Every method, PATCH included, goes to the API: HttpServlet's per-method dispatch would not. */
  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    write(request, response, api.handle(toRequest(request, api.maxBodyBytes())));
  }

  private static AdminRequest toRequest(HttpServletRequest request, int maxBodyBytes)
      throws IOException {
    String pathInfo = request.getPathInfo();
    String path =
        request.getContextPath() + request.getServletPath() + (pathInfo == null ? "" : pathInfo);
    String rawQuery = request.getQueryString();
    AdminRequest.Builder b =
        AdminRequest.builder(request.getMethod(), path).rawQuery(rawQuery == null ? "" : rawQuery);
    for (String name : list(request.getHeaderNames())) {
      for (String value : list(request.getHeaders(name))) {
        b.header(name, value);
      }
    }
    String remote = request.getRemoteAddr();
    b.remoteAddress(remote == null ? "unknown" : remote);
    // One byte past the limit is enough to answer 413; the rest is never read.
    try (InputStream in = request.getInputStream()) {
      b.body(in.readNBytes(maxBodyBytes + 1));
    }
    return b.build();
  }

  private static void write(
      HttpServletRequest request, HttpServletResponse response, AdminResponse answer)
      throws IOException {
    response.setStatus(answer.status());
    for (Map.Entry<String, List<String>> h : answer.headers().entrySet()) {
      for (String v : h.getValue()) {
        response.addHeader(h.getKey(), v);
      }
    }
    byte[] body = answer.body();
    boolean noBody =
        body.length == 0
            || answer.status() == 204
            || answer.status() == 304
            || "HEAD".equalsIgnoreCase(request.getMethod());
    if (!noBody) {
      response.setContentLength(body.length);
      try (OutputStream out = response.getOutputStream()) {
        out.write(body);
      }
    }
  }

  /** A container may return null for headers it does not let the application read. */
  private static List<String> list(Enumeration<String> values) {
    return values == null ? List.of() : Collections.list(values);
  }
}
