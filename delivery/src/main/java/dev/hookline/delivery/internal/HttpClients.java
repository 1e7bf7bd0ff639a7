package dev.hookline.delivery.internal;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Executor;

/** Builds the default client and requests. Stateless. */
public final class HttpClients {
  private HttpClients() {}

  /**
   * Checks that a caller's client never follows redirects.
   *
   * @param client the client
   * @param what the setting's name, for the message
   * @throws IllegalArgumentException if it follows redirects
   */
  public static void requireNoRedirects(HttpClient client, String what) {
    Objects.requireNonNull(client, what);
    if (client.followRedirects() != HttpClient.Redirect.NEVER) {
      throw new IllegalArgumentException(
          what
              + " follows redirects ("
              + client.followRedirects()
              + "); Hookline never follows them: build it with"
              + " followRedirects(HttpClient.Redirect.NEVER)");
    }
  }

  /**
   * Builds the client a dispatcher uses when the caller gives none.
   *
   * @param connectTimeout the connect timeout
   * @param executor the executor for the client's asynchronous work (owned by the dispatcher)
   * @return the client
   */
  public static HttpClient defaultClient(Duration connectTimeout, Executor executor) {
    return HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(connectTimeout)
        .executor(executor)
        .build();
  }

  /**
   * Starts a request with the hook's timeout. Plain {@code http} goes as HTTP/1.1: the JDK would
   * otherwise try an h2c upgrade, which many servers mishandle.
   *
   * @param uri the endpoint
   * @param timeout the request timeout (a backstop: the sender enforces the real deadline)
   * @return the builder
   */
  public static HttpRequest.Builder requestBuilder(URI uri, Duration timeout) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout);
    if ("http".equals(String.valueOf(uri.getScheme()).toLowerCase(Locale.ROOT))) {
      b.version(HttpClient.Version.HTTP_1_1);
    }
    return b;
  }
}
