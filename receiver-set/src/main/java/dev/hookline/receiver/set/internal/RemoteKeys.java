package dev.hookline.receiver.set.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * The sender's key set fetched from its URL with {@link HttpClient}, cached in Caffeine for a
 * while, and fetched again when a token names a key id the cached set lacks (a rotation) — but at
 * most once per {@code minRefetch}, so that tokens with made-up key ids cannot make the verifier
 * hammer the sender. Time comes from the verifier's clock.
 *
 * <p>Thread-safe.
 */
public final class RemoteKeys implements KeySource {
  private static final int MAX_JWKS_BYTES = 64 * 1024;

  private final URI uri;
  private final HttpClient client;
  private final Clock clock;
  private final Duration minRefetch;
  private final Duration timeout;
  private final Cache<URI, JWKSet> cache;
  private final AtomicReference<@Nullable Instant> lastFetch = new AtomicReference<>();

  /**
   * Creates the source; nothing is fetched until the first token.
   *
   * @param uri the key set's https URL
   * @param client the caller's client
   * @param clock the verifier's clock
   * @param cacheFor how long a fetched set is used
   * @param minRefetch the least time between two fetches caused by unknown key ids
   * @param timeout the limit for one fetch
   */
  public RemoteKeys(
      URI uri,
      HttpClient client,
      Clock clock,
      Duration cacheFor,
      Duration minRefetch,
      Duration timeout) {
    this.uri = uri;
    this.client = client;
    this.clock = clock;
    this.minRefetch = minRefetch;
    this.timeout = timeout;
    Ticker ticker =
        () -> {
          Instant now = clock.instant();
          return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        };
    this.cache = Caffeine.newBuilder().ticker(ticker).expireAfterWrite(cacheFor).build();
  }

  @Override
  public Optional<JWK> find(String keyId) {
    JWK key = cache.get(uri, u -> fetch()).getKeyByKeyId(keyId);
    return key != null ? Optional.of(key) : refetchFor(keyId);
  }

  /** Fetches again for an unknown key id (a rotation), at most once per {@code minRefetch}. */
  private synchronized Optional<JWK> refetchFor(String keyId) {
    JWKSet cached = cache.getIfPresent(uri);
    if (cached != null && cached.getKeyByKeyId(keyId) != null) {
      return Optional.of(cached.getKeyByKeyId(keyId)); // another thread just fetched it
    }
    Instant last = lastFetch.get();
    if (last != null && clock.instant().isBefore(last.plus(minRefetch))) {
      return Optional.empty(); // fetched a moment ago: an unknown id now is not a rotation
    }
    JWKSet fresh = fetch();
    cache.put(uri, fresh);
    return Optional.ofNullable(fresh.getKeyByKeyId(keyId));
  }

  private JWKSet fetch() {
    lastFetch.set(clock.instant());
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .header("Accept", "application/jwk-set+json, application/json")
            .GET()
            .build();
    try {
      HttpResponse<InputStream> response =
          client.send(request, HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = response.body()) {
        if (response.statusCode() != 200) {
          throw new KeySource.KeySetUnavailableException(
              "the key set at " + uri + " answered HTTP " + response.statusCode());
        }
        byte[] bytes = in.readNBytes(MAX_JWKS_BYTES + 1);
        if (bytes.length > MAX_JWKS_BYTES) {
          throw new KeySource.KeySetUnavailableException(
              "the key set at " + uri + " is larger than " + MAX_JWKS_BYTES + " bytes");
        }
        return JWKSet.parse(new String(bytes, StandardCharsets.UTF_8)).toPublicJWKSet();
      }
    } catch (IOException | ParseException e) {
      throw new KeySource.KeySetUnavailableException(
          "the key set at " + uri + " could not be read: " + e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KeySource.KeySetUnavailableException("interrupted fetching the key set");
    }
  }
}
