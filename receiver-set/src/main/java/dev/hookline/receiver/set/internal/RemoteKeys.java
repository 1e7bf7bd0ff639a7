package dev.hookline.receiver.set.internal;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sender's key set fetched from its URL with {@link HttpClient} and used for {@code cacheFor};
 * fetched again when it has expired, when a token names a key id it lacks (a rotation), or when the
 * key under its id cannot verify the token, for its signature, type or algorithm (a sender that
 * replaced the key under that id) — but at most once per {@code minRefetch} after any fetch for an
 * unknown key id or a key that could not verify, or a failed fetch, so that made-up key ids, bad
 * signatures, tokens naming a known id with another algorithm or a sender that is down cannot make
 * the verifier hammer the sender. One fetch at a time: callers that arrive during it share its
 * outcome. A fetch, body included, ends within {@code timeout}. When a refresh fails, the last good
 * set is still used for up to {@code grace} after it expired; every failed fetch is logged at WARN,
 * whether or not a last good set carries on. Keys in a fetched set that cannot be parsed are
 * skipped, as RFC 7517 section 5 asks, with one WARN line per fetch naming them; a set with keys
 * none of which can be parsed is a failed fetch, and so is one the client redirected through a URI
 * the verifier's rule for its key set URI refuses. Time comes from the verifier's clock.
 *
 * <p>Thread-safe.
 */
public final class RemoteKeys implements KeySource {
  private static final Logger LOG = LoggerFactory.getLogger(RemoteKeys.class);
  private static final int MAX_JWKS_BYTES = 64 * 1024;

  private final URI uri;

  /**
   * The URI as messages and logs show it: scheme, host and port, without its path or query, which
   * may carry a token.
   */
  private final String shownUri;

  /** The URI's path, query and fragment, raw and decoded, longest first: never shown. */
  private final List<String> hiddenParts;

  private final HttpClient client;
  private final Clock clock;
  private final Duration cacheFor;
  private final Duration minRefetch;
  private final Duration timeout;
  private final Duration grace;

  /** Whether a key set may come from a URI: applied to every hop of a redirected fetch. */
  private final Predicate<URI> allowedHop;

  /** Held while fetching, so that concurrent callers do not each fetch. */
  private final ReentrantLock fetching = new ReentrantLock();

  /** Replaced, never changed, and only while holding {@link #fetching}. */
  private volatile State state = State.NEVER_FETCHED;

  /**
   * The last good set and the last attempt.
   *
   * @param keys the last set fetched successfully, or null if none was
   * @param fetchedAt when {@code keys} was fetched
   * @param attemptedAt when the last fetch started, or null if none did
   * @param failure why the last fetch failed, or null if it succeeded
   * @param fetches how many fetches have ended, so a caller can tell whether one ended meanwhile
   */
  private record State(
      @Nullable JWKSet keys,
      Instant fetchedAt,
      @Nullable Instant attemptedAt,
      @Nullable String failure,
      long fetches) {
    static final State NEVER_FETCHED = new State(null, Instant.MIN, null, null, 0);

    boolean attemptedWithin(Instant now, Duration interval) {
      return attemptedAt != null && now.isBefore(later(attemptedAt, interval));
    }
  }

  /**
   * Creates the source; nothing is fetched until the first token.
   *
   * @param uri the key set's https URL
   * @param client the caller's client
   * @param clock the verifier's clock
   * @param cacheFor how long a fetched set is used
   * @param minRefetch the least time between two fetches caused by unknown key ids, keys that could
   *     not verify a token, or failures
   * @param timeout the limit for one fetch, from sending the request to the body's last byte
   * @param grace how long after it expired the last good set is still used while fetches fail
   * @param allowedHop whether a key set may come from a URI, as the verifier's rule for its {@code
   *     jwksUri}: a fetch the client redirected through a URI that fails it is a failed fetch
   */
  public RemoteKeys(
      URI uri,
      HttpClient client,
      Clock clock,
      Duration cacheFor,
      Duration minRefetch,
      Duration timeout,
      Duration grace,
      Predicate<URI> allowedHop) {
    this.uri = uri;
    this.shownUri = shown(uri);
    this.hiddenParts = hiddenParts(uri);
    this.client = client;
    this.clock = clock;
    this.cacheFor = cacheFor;
    this.minRefetch = minRefetch;
    this.timeout = timeout;
    this.grace = grace;
    this.allowedHop = allowedHop;
  }

  @Override
  public Optional<JWK> find(String keyId, KeyType type) {
    State seen = state;
    Instant now = clock.instant();
    JWKSet keys = seen.keys();
    JWK key = KeySource.select(keys, keyId, type);
    if (key != null && now.isBefore(expiry(seen))) {
      return Optional.of(key);
    }
    if (!fetching.tryLock()) {
      if (key != null && now.isBefore(graceEnd(seen))) {
        return Optional.of(key); // just expired and being fetched by another caller right now
      }
      fetching.lock();
    }
    try {
      return findWhileFetching(keyId, type, seen);
    } finally {
      fetching.unlock();
    }
  }

  @Override
  public Optional<JWK> findReplacement(String keyId, KeyType type, JWK mismatched) {
    fetching.lock(); // a fetch under way may bring the new key: wait for its outcome
    try {
      Instant now = clock.instant();
      State s = state;
      JWK key = KeySource.select(s.keys(), keyId, type);
      if (key != null && !key.equals(mismatched)) {
        return Optional.of(key); // another caller's fetch brought it since
      }
      if (s.attemptedWithin(now, minRefetch)) {
        // as for an unknown id: bad signatures or algorithms must not fetch in a loop
        return Optional.empty();
      }
      try {
        key = fetchFor(keyId, type, s, now).orElse(null);
      } catch (KeySetUnavailableException e) {
        return Optional.empty(); // logged in fetchFor; the token is refused for its signature
      }
      return key != null && !key.equals(mismatched) ? Optional.of(key) : Optional.empty();
    } finally {
      fetching.unlock();
    }
  }

  private Optional<JWK> findWhileFetching(String keyId, KeyType type, State seen) {
    Instant now = clock.instant();
    State s = state;
    JWKSet keys = s.keys();
    JWK key = KeySource.select(keys, keyId, type);
    boolean fresh = now.isBefore(expiry(s));
    if (key != null && fresh) {
      return Optional.of(key); // another caller fetched it while this one waited
    }
    // Another caller's fetch ended while this one waited: its outcome is this caller's too.
    boolean justFetched = s.fetches() != seen.fetches();
    boolean backOff =
        justFetched
            || (fresh && s.attemptedWithin(now, minRefetch)) // an unknown id is no rotation yet
            || (s.failure() != null && s.attemptedWithin(now, minRefetch));
    if (!backOff) {
      return fetchFor(keyId, type, s, now);
    }
    String failure = s.failure();
    if (failure == null) {
      return Optional.ofNullable(key); // fetched a moment ago; an unknown id now is not a rotation
    }
    if (key != null && now.isBefore(graceEnd(s))) {
      return Optional.of(key);
    }
    throw unavailable(s, failure, key != null);
  }

  private Optional<JWK> fetchFor(String keyId, KeyType type, State before, Instant now) {
    JWKSet fetched;
    try {
      fetched = fetch();
    } catch (KeySetUnavailableException e) {
      String failure = e.getMessage() + "";
      State failed =
          new State(before.keys(), before.fetchedAt(), now, failure, before.fetches() + 1);
      state = failed;
      JWKSet last = failed.keys();
      JWK key = KeySource.select(last, keyId, type);
      Instant usableUntil = graceEnd(failed);
      if (last != null && now.isBefore(usableUntil)) {
        // Logged, not thrown: other tokens are still verified with the last good set.
        LOG.warn(
            "Could not refresh the sender's key set: {}; using the one fetched at {} until {} at"
                + " the latest, and trying again after {}",
            failure,
            failed.fetchedAt(),
            usableUntil,
            minRefetch);
        if (key != null) {
          return Optional.of(key);
        }
      } else {
        // Nothing carries the verifier: every token is refused (503 without a body), and this
        // line is the only place that says why (a wrong URI, an untrusted certificate).
        LOG.warn(
            "Could not fetch the sender's key set: {}; {}: tokens are refused (KEY_SET_UNAVAILABLE)"
                + " until a fetch succeeds, tried again after {}",
            failure,
            last == null ? "no key set was fetched before" : "the last good one is too old",
            minRefetch);
      }
      throw unavailable(failed, failure, key != null);
    }
    state = new State(fetched, now, now, null, before.fetches() + 1);
    return Optional.ofNullable(KeySource.select(fetched, keyId, type));
  }

  private Instant expiry(State s) {
    return later(s.fetchedAt(), cacheFor);
  }

  private Instant graceEnd(State s) {
    return later(expiry(s), grace);
  }

  /** Saturates at Instant.MAX: a configured duration may be huge. */
  private static Instant later(Instant t, Duration d) {
    try {
      return t.plus(d);
    } catch (DateTimeException | ArithmeticException e) {
      return Instant.MAX;
    }
  }

  private KeySetUnavailableException unavailable(State s, String failure, boolean lastGoodHasKey) {
    String fallback =
        s.keys() == null
            ? "no key set was fetched before"
            : lastGoodHasKey
                ? "the last good key set expired more than " + grace + " ago"
                : "the last good key set has no such key";
    Instant attempted = s.attemptedAt();
    return new KeySetUnavailableException(
        failure
            + "; "
            + fallback
            + (attempted != null
                ? "; the next fetch is not before " + later(attempted, minRefetch)
                : ""));
  }

  private JWKSet fetch() {
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .header("Accept", "application/jwk-set+json, application/json")
            .GET()
            .build();
    // The request timeout stops at the response headers; the deadline below covers the body too.
    BoundedBody body = new BoundedBody(MAX_JWKS_BYTES + 1);
    CompletableFuture<HttpResponse<byte[]>> exchange =
        client.sendAsync(request, info -> info.statusCode() == 200 ? body : BoundedBody.none());
    HttpResponse<byte[]> response;
    try {
      response = exchange.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      exchange.cancel(true);
      body.abort();
      throw new KeySetUnavailableException(
          "the key set at " + shownUri + " was not received within " + timeout);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      // The HTTP client's ConnectException has no message, nor has its cause: say what it means.
      String what =
          cause instanceof ConnectException
              ? " could not be fetched: could not connect to " + hostAndPort(uri) + ": "
              : " could not be read: ";
      throw new KeySetUnavailableException("the key set at " + shownUri + what + describe(cause));
    } catch (InterruptedException e) {
      exchange.cancel(true);
      body.abort();
      Thread.currentThread().interrupt();
      throw new KeySetUnavailableException("interrupted fetching the key set at " + shownUri);
    }
    URI refusedHop = refusedHop(response);
    if (refusedHop != null) {
      throw new KeySetUnavailableException(
          "the key set at "
              + shownUri
              + " was redirected to "
              + shown(refusedHop)
              + ", where a key set may not come from (https, or http to a loopback host with"
              + " allowInsecureLoopbackJwksForDevelopment): anyone on the path could serve keys"
              + " there");
    }
    if (response.statusCode() != 200) {
      throw new KeySetUnavailableException(
          "the key set at " + shownUri + " answered HTTP " + response.statusCode());
    }
    byte[] bytes = response.body();
    if (bytes.length > MAX_JWKS_BYTES) {
      throw new KeySetUnavailableException(
          "the key set at " + shownUri + " is larger than " + MAX_JWKS_BYTES + " bytes");
    }
    ReadableKeys.Read read;
    try {
      read = ReadableKeys.read(new String(bytes, StandardCharsets.UTF_8));
    } catch (ParseException e) {
      throw new KeySetUnavailableException(
          "the key set at " + shownUri + " is not a JSON Web Key Set: " + describe(e));
    }
    return readable(read);
  }

  /**
   * The first URI, from the last answer back, that the exchange was redirected through and that a
   * key set may not come from; null if every hop is allowed (as is the request's own URI).
   */
  private @Nullable URI refusedHop(HttpResponse<?> response) {
    for (@Nullable HttpResponse<?> hop = response;
        hop != null;
        hop = hop.previousResponse().orElse(null)) {
      if (!allowedHop.test(hop.uri())) {
        return hop.uri();
      }
    }
    return null;
  }

  /**
   * The keys that parse, as public keys ({@link ReadableKeys}: RFC 7517 section 5 asks to ignore
   * the others, so that a sender adding one does not break every receiver). Those skipped are
   * logged in one WARN line, by index and kid, with the parser's reason and no key material; if
   * none is left, the fetch failed.
   */
  private JWKSet readable(ReadableKeys.Read read) {
    if (read.skipped().isEmpty()) {
      return read.keys();
    }
    int kept = read.keys().size();
    if (kept == 0) {
      throw new KeySetUnavailableException(
          "the key set at "
              + shownUri
              + " has no key that could be read ("
              + read.skipped().size()
              + " skipped as RFC 7517 section 5 asks: "
              + read.listed()
              + ")");
    }
    LOG.warn(
        "The sender's key set at {} has {} key(s) that could not be read, skipped as RFC 7517"
            + " section 5 asks: {}; its other {} key(s) are kept",
        shownUri,
        read.skipped().size(),
        read.listed(),
        kept);
    return read.keys();
  }

  /**
   * The URI's scheme, host and port, with {@code /…} when a path (other than {@code /}), a query or
   * a fragment followed: capability URLs carry their token in the path as well as in the query.
   * This is the form core's {@code UriDisplay} gives a webhook endpoint in Hookline's logs; this
   * module may not depend on core (the enforcer rule in its pom keeps the sender off a listener's
   * class path), so the rule is repeated here. {@code jwksUri} refuses user-info and a URI without
   * a host at build, and the host and port are given as parsed, so no user-info can show here.
   */
  private static String shown(URI uri) {
    StringBuilder b = new StringBuilder().append(uri.getScheme()).append("://");
    b.append(hostAndPort(uri));
    String path = uri.getRawPath();
    if ((path != null && !path.isEmpty() && !path.equals("/"))
        || uri.getRawQuery() != null
        || uri.getRawFragment() != null) {
      b.append("/…");
    }
    return b.toString();
  }

  private static List<String> hiddenParts(URI uri) {
    List<String> parts = new ArrayList<>();
    for (String part :
        new String[] {
          uri.getRawPath(),
          uri.getPath(),
          uri.getRawQuery(),
          uri.getQuery(),
          uri.getRawFragment(),
          uri.getFragment()
        }) {
      if (part != null && part.length() > 1 && !parts.contains(part)) {
        parts.add(part);
      }
    }
    parts.sort(Comparator.comparingInt(String::length).reversed());
    return List.copyOf(parts);
  }

  /**
   * A message from the HTTP client, which may be the caller's own wrapper quoting the request's
   * URI: the URI is replaced by {@link #shownUri}, and its path, query and fragment by {@code …}.
   */
  private String withoutHiddenParts(String message) {
    String out = message.replace(uri.toString(), shownUri);
    for (String part : hiddenParts) {
      out = out.replace(part, "…");
    }
    return out;
  }

  /** The host, and the port if the URI gives one. */
  private static String hostAndPort(URI uri) {
    return uri.getPort() == -1 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
  }

  /**
   * What went wrong: the failure's class and message, and when it has no message its causes' until
   * one has. Messages lose the URI's path and query, and are clipped and control characters
   * replaced.
   */
  private String describe(Throwable failure) {
    StringBuilder b = new StringBuilder();
    Throwable t = failure;
    for (int depth = 0; t != null && depth < 4; depth++) {
      if (depth > 0) {
        b.append(", caused by ");
      }
      b.append(t.getClass().getName());
      String message = t.getMessage();
      if (message != null && !message.isBlank()) {
        return b.append(": ").append(printable(withoutHiddenParts(message))).toString();
      }
      t = t.getCause() == t ? null : t.getCause();
    }
    return b.toString();
  }

  private static String printable(String s) {
    return printable(s, 300);
  }

  private static String printable(String s, int max) {
    String clipped = s.length() > max ? s.substring(0, max) + "…" : s;
    StringBuilder b = new StringBuilder();
    clipped.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? ' ' : c));
    return b.toString();
  }
}
