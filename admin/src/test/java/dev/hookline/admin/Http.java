package dev.hookline.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A small HTTP client for the admin API that records every exchange. Thread-safe. */
final class Http {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  /** One request and its response, as sent and received. */
  record Exchange(
      String method,
      String path,
      String requestBody,
      int status,
      java.util.Map<String, List<String>> headers,
      String body) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + body, e);
      }
    }

    String header(String name) {
      for (var e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name)) {
          return e.getValue().get(0);
        }
      }
      return null;
    }

    String contentType() {
      String t = header("Content-Type");
      return t == null ? "" : t;
    }

    @Override
    public String toString() {
      return method + " " + path + " -> " + status + " " + body;
    }
  }

  private final String base;
  final List<Exchange> recorded = Collections.synchronizedList(new ArrayList<>());

  Http(String base) {
    this.base = base;
  }

  /** Sends a request; headers are name, value pairs. */
  Exchange send(String method, String path, String token, String body, String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    boolean typed = false;
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
      typed |= headers[i].equalsIgnoreCase("Content-Type");
    }
    if (body != null && !typed) {
      b.header(
          "Content-Type",
          method.equals("PATCH") ? "application/merge-patch+json" : "application/json");
    }
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    try {
      HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
      Exchange e = new Exchange(method, path, body, r.statusCode(), r.headers().map(), r.body());
      recorded.add(e);
      return e;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  Exchange get(String path, String token) {
    return send("GET", path, token, null);
  }

  Exchange post(String path, String token, String body, String... headers) {
    return send("POST", path, token, body, headers);
  }

  Exchange patch(String path, String token, String body, String... headers) {
    return send("PATCH", path, token, body, headers);
  }

  Exchange delete(String path, String token) {
    return send("DELETE", path, token, null);
  }
}
