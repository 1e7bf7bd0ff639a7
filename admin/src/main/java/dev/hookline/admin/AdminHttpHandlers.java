package dev.hookline.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Mounts an {@link AdminApi} on the JDK's {@link HttpServer}: the REST API at its base path and the
 * admin page at its page path.
 *
 * <pre>{@code
 * HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 8080), 0);
 * server.setExecutor(Executors.newFixedThreadPool(16)); // default: one request at a time
 * AdminHttpHandlers.mount(server, adminApi);
 * server.start();
 * }</pre>
 *
 * <p>Stateless and thread-safe.
 */
public final class AdminHttpHandlers {
  private AdminHttpHandlers() {}

  /**
   * Registers the API's and the page's contexts on a server.
   *
   * @param server the server (not yet started, or started: contexts may be added at any time)
   * @param api the API
   */
  public static void mount(HttpServer server, AdminApi api) {
    Objects.requireNonNull(server, "server");
    HttpHandler handler = handler(api);
    server.createContext(api.basePath(), handler);
    // Without the slash, so that "/admin" is redirected to "/admin/" rather than unknown.
    String page = api.pagePath();
    server.createContext(page.length() > 1 ? page.substring(0, page.length() - 1) : page, handler);
  }

  /**
   * Returns a handler that passes every exchange to the API, for hosts that register contexts
   * themselves.
   *
   * @param api the API
   * @return the handler
   */
  public static HttpHandler handler(AdminApi api) {
    Objects.requireNonNull(api, "api");
    return exchange -> {
      try (exchange) {
        AdminResponse response = api.handle(toRequest(exchange, api.maxBodyBytes()));
        write(exchange, response);
      }
    };
  }

  private static AdminRequest toRequest(HttpExchange exchange, int maxBodyBytes)
      throws IOException {
    String rawQuery = exchange.getRequestURI().getRawQuery();
    AdminRequest.Builder b =
        AdminRequest.builder(exchange.getRequestMethod(), exchange.getRequestURI().getPath())
            .rawQuery(rawQuery == null ? "" : rawQuery);
    for (Map.Entry<String, List<String>> h : exchange.getRequestHeaders().entrySet()) {
      for (String v : h.getValue()) {
        b.header(h.getKey(), v);
      }
    }
    InetSocketAddress remote = exchange.getRemoteAddress();
    b.remoteAddress(
        remote.getAddress() == null
            ? remote.getHostString()
            : remote.getAddress().getHostAddress());
    // One byte past the limit is enough to answer 413; the rest is never read.
    try (InputStream in = exchange.getRequestBody()) {
      b.body(in.readNBytes(maxBodyBytes + 1));
    }
    return b.build();
  }

  private static void write(HttpExchange exchange, AdminResponse response) throws IOException {
    for (Map.Entry<String, List<String>> h : response.headers().entrySet()) {
      for (String v : h.getValue()) {
        exchange.getResponseHeaders().add(h.getKey(), v);
      }
    }
    byte[] body = response.body();
    boolean noBody =
        body.length == 0
            || response.status() == 204
            || response.status() == 304
            || "HEAD".equalsIgnoreCase(exchange.getRequestMethod());
    exchange.sendResponseHeaders(response.status(), noBody ? -1 : body.length);
    if (!noBody) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
