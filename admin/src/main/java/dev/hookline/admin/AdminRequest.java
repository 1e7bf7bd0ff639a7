package dev.hookline.admin;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One HTTP request, as an adapter (the JDK {@code HttpServer} one, a Servlet one) hands it to
 * {@link AdminApi#handle}: method, path, query, headers, body and the client's address.
 *
 * <p>Immutable and thread-safe. {@link #toString()} shows neither headers nor body.
 */
public final class AdminRequest {
  private final String method;
  private final String path;
  private final Map<String, List<String>> query;
  private final Map<String, List<String>> headers;
  private final byte[] body;
  private final String remoteAddress;

  private AdminRequest(Builder b) {
    this.method = b.method.toUpperCase(Locale.ROOT);
    this.path = b.path;
    this.query = java.util.Collections.unmodifiableMap(parseQuery(b.rawQuery));
    Map<String, List<String>> h = new LinkedHashMap<>();
    b.headers.forEach((k, v) -> h.put(k, List.copyOf(v)));
    this.headers = java.util.Collections.unmodifiableMap(h);
    this.body = b.body.clone();
    this.remoteAddress = b.remoteAddress;
  }

  /**
   * Starts a request.
   *
   * @param method the HTTP method
   * @param path the decoded request path, starting with {@code /}
   * @return a new builder
   */
  public static Builder builder(String method, String path) {
    return new Builder(method, path);
  }

  /**
   * Returns the HTTP method, upper case.
   *
   * @return the method
   */
  public String method() {
    return method;
  }

  /**
   * Returns the decoded path.
   *
   * @return the path
   */
  public String path() {
    return path;
  }

  /**
   * Returns the first value of a query parameter.
   *
   * @param name the parameter
   * @return its first value, or empty
   */
  public Optional<String> queryParameter(String name) {
    List<String> values = query.get(name);
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
  }

  /**
   * Returns every query parameter name.
   *
   * @return the names, unmodifiable
   */
  public java.util.Set<String> queryParameterNames() {
    return query.keySet();
  }

  /**
   * Returns the first value of a header, matched case-insensitively.
   *
   * @param name the header
   * @return its first value, or empty
   */
  public Optional<String> header(String name) {
    List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
  }

  /**
   * Returns every value of a header, one per header line, in the order received; what the API reads
   * where a header is a list that may be split across lines ({@code If-Match}, RFC 9110 5.3). Not
   * public: handed to the service by {@link AdminApi}.
   */
  static List<String> headerValues(AdminRequest request, String name) {
    List<String> values = request.headers.get(name.toLowerCase(Locale.ROOT));
    return values == null ? List.of() : values;
  }

  /**
   * Returns a copy of the body.
   *
   * @return the body bytes, empty if none
   */
  public byte[] body() {
    return body.clone();
  }

  /**
   * Returns the body's length in bytes.
   *
   * @return the length
   */
  public int bodyLength() {
    return body.length;
  }

  /**
   * Returns the client's address, which failed-authentication rate limiting is keyed by.
   *
   * @return the address, such as {@code 127.0.0.1}
   */
  public String remoteAddress() {
    return remoteAddress;
  }

  @Override
  public String toString() {
    return "AdminRequest[" + method + " " + path + "]";
  }

  private static Map<String, List<String>> parseQuery(String raw) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      try {
        out.computeIfAbsent(URLDecoder.decode(k, StandardCharsets.UTF_8), x -> new ArrayList<>())
            .add(URLDecoder.decode(v, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        out.computeIfAbsent(k, x -> new ArrayList<>()).add(v); // malformed escape: keep it raw
      }
    }
    return out;
  }

  /** Builds an {@link AdminRequest}. Not thread-safe. */
  public static final class Builder {
    private final String method;
    private final String path;
    private String rawQuery = "";
    private final Map<String, List<String>> headers = new LinkedHashMap<>();
    private byte[] body = new byte[0];
    private String remoteAddress = "unknown";

    private Builder(String method, String path) {
      this.method = Objects.requireNonNull(method, "method");
      this.path = Objects.requireNonNull(path, "path");
    }

    /**
     * Sets the raw (still percent-encoded) query string, without the {@code ?}.
     *
     * @param rawQuery the query string, empty if none
     * @return this builder
     */
    public Builder rawQuery(String rawQuery) {
      this.rawQuery = Objects.requireNonNull(rawQuery, "rawQuery");
      return this;
    }

    /**
     * Adds a header value.
     *
     * @param name the header name (any case)
     * @param value the value
     * @return this builder
     */
    public Builder header(String name, String value) {
      headers
          .computeIfAbsent(
              Objects.requireNonNull(name, "name").toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * Sets the body. An adapter reads at most {@link AdminApi#maxBodyBytes()} + 1 bytes, so that a
     * larger body is refused with 413 without being read whole.
     *
     * @param body the body bytes
     * @return this builder
     */
    public Builder body(byte[] body) {
      this.body = Objects.requireNonNull(body, "body").clone();
      return this;
    }

    /**
     * Sets the client's address.
     *
     * @param address the address
     * @return this builder
     */
    public Builder remoteAddress(String address) {
      this.remoteAddress = Objects.requireNonNull(address, "address");
      return this;
    }

    /**
     * Returns the request.
     *
     * @return the request
     */
    public AdminRequest build() {
      return new AdminRequest(this);
    }
  }
}
