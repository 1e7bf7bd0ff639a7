package dev.hookline.otel.internal;

import dev.hookline.Webhook;
import dev.hookline.delivery.AttemptRequest;
import java.net.URI;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * What an attempt's span says about its endpoint ({@code url.full} redacted, {@code
 * server.address}, {@code server.port}), made once per webhook and version instead of per attempt.
 * An entry holds no secret: not the URI, only its redacted form and its hash, to tell a changed URI
 * from the cached one.
 *
 * <p>Bounded: past {@code max} webhooks, the others' endpoints are made per attempt and not kept.
 * The owner removes a deleted webhook's entry ({@link #remove}).
 *
 * <p>Thread-safe.
 */
public final class Endpoints {
  private final int max;
  private final ConcurrentHashMap<String, Endpoint> byWebhook = new ConcurrentHashMap<>();

  /** Held to add an entry, so that the size checked is the size added to; not to remove one. */
  private final Object insertLock = new Object();

  /**
   * Creates an empty cache.
   *
   * @param max the most webhooks kept
   */
  public Endpoints(int max) {
    if (max < 0) {
      throw new IllegalArgumentException("max must not be negative: " + max);
    }
    this.max = max;
  }

  /**
   * One endpoint, as the span shows it.
   *
   * @param version the webhook version it was made from
   * @param uriHash the hash of the URI it was made from
   * @param urlFull the redacted URI: {@code url.full}
   * @param host the host, an IPv6 literal without its brackets: {@code server.address}
   * @param port the port, the scheme's default if the URI has none: {@code server.port}
   */
  public record Endpoint(
      long version, int uriHash, String urlFull, @Nullable String host, Integer port) {}

  /**
   * Returns the endpoint of the attempt's webhook: the cached one if it was made from the same
   * version and URI, or a new one (kept if there is room).
   *
   * @param request the attempt
   * @return its endpoint
   */
  public Endpoint of(AttemptRequest request) {
    Webhook w = request.webhook();
    URI uri = request.uri();
    int hash = uri.hashCode();
    Endpoint e = byWebhook.get(w.id());
    if (e != null && e.version() == w.version() && e.uriHash() == hash) {
      return e;
    }
    int port =
        uri.getPort() >= 0 ? uri.getPort() : "http".equalsIgnoreCase(uri.getScheme()) ? 80 : 443;
    Endpoint made =
        new Endpoint(w.version(), hash, request.redactedUri(), serverAddress(uri.getHost()), port);
    // The check and the put under one lock: misses of many webhooks at once (a worker each) would
    // otherwise all see room for one more and all be kept. Hits take no lock; misses are once per
    // webhook and version. A deletion racing with an attempt may leave an entry behind: it holds no
    // secret, and the bound holds.
    synchronized (insertLock) {
      if (byWebhook.containsKey(w.id()) || byWebhook.size() < max) {
        byWebhook.put(w.id(), made);
      }
    }
    return made;
  }

  /**
   * Returns a URI's host as {@code server.address}: an IPv6 literal without the brackets that only
   * the URI's syntax needs ({@code [::1]} is {@code ::1}), as the semantic conventions want the IP
   * address; any other host as it is.
   */
  private static @Nullable String serverAddress(@Nullable String host) {
    if (host != null && host.length() > 2 && host.startsWith("[") && host.endsWith("]")) {
      return host.substring(1, host.length() - 1);
    }
    return host;
  }

  /**
   * Forgets a webhook's endpoint.
   *
   * @param webhookId the webhook
   */
  public void remove(String webhookId) {
    byWebhook.remove(webhookId);
  }

  /**
   * Returns how many webhooks' endpoints are kept.
   *
   * @return the number
   */
  public int size() {
    return byWebhook.size();
  }
}
