package dev.hookline.delivery;

import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * Wraps a client and counts, per request path, how many exchanges are in flight at once (from the
 * moment a request is handed to the client until its future completes, cancelled or not).
 */
final class CountingHttpClient extends HttpClient {
  private final HttpClient delegate;
  private final ConcurrentHashMap<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicInteger> max = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicInteger> total = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, List<Thread>> senders = new ConcurrentHashMap<>();

  CountingHttpClient(HttpClient delegate) {
    this.delegate = delegate;
  }

  int maxInFlight(String path) {
    AtomicInteger m = max.get(path);
    return m == null ? 0 : m.get();
  }

  /** The threads that handed the path's requests to the client, in order. */
  List<Thread> senders(String path) {
    return List.copyOf(senders.getOrDefault(path, List.of()));
  }

  int total(String path) {
    AtomicInteger t = total.get(path);
    return t == null ? 0 : t.get();
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    String path = request.uri().getPath();
    AtomicInteger current = inFlight.computeIfAbsent(path, k -> new AtomicInteger());
    int now = current.incrementAndGet();
    total.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
    senders.computeIfAbsent(path, k -> new CopyOnWriteArrayList<>()).add(Thread.currentThread());
    max.computeIfAbsent(path, k -> new AtomicInteger()).accumulateAndGet(now, Math::max);
    CompletableFuture<HttpResponse<T>> f;
    try {
      f = delegate.sendAsync(request, handler);
    } catch (RuntimeException e) {
      current.decrementAndGet();
      throw e;
    }
    // Return f itself: cancelling it must reach the real exchange.
    CompletableFuture<HttpResponse<T>> unused = f.whenComplete((r, t) -> current.decrementAndGet());
    return f;
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request,
      HttpResponse.BodyHandler<T> handler,
      HttpResponse.PushPromiseHandler<T> push) {
    return sendAsync(request, handler);
  }

  @Override
  public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException, InterruptedException {
    String path = request.uri().getPath();
    AtomicInteger current = inFlight.computeIfAbsent(path, k -> new AtomicInteger());
    int now = current.incrementAndGet();
    total.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
    senders.computeIfAbsent(path, k -> new CopyOnWriteArrayList<>()).add(Thread.currentThread());
    max.computeIfAbsent(path, k -> new AtomicInteger()).accumulateAndGet(now, Math::max);
    try {
      return delegate.send(request, handler);
    } finally {
      current.decrementAndGet();
    }
  }

  @Override
  public Optional<CookieHandler> cookieHandler() {
    return delegate.cookieHandler();
  }

  @Override
  public Optional<Duration> connectTimeout() {
    return delegate.connectTimeout();
  }

  @Override
  public Redirect followRedirects() {
    return delegate.followRedirects();
  }

  @Override
  public Optional<ProxySelector> proxy() {
    return delegate.proxy();
  }

  @Override
  public SSLContext sslContext() {
    return delegate.sslContext();
  }

  @Override
  public SSLParameters sslParameters() {
    return delegate.sslParameters();
  }

  @Override
  public Optional<Authenticator> authenticator() {
    return delegate.authenticator();
  }

  @Override
  public Version version() {
    return delegate.version();
  }

  @Override
  public Optional<Executor> executor() {
    return delegate.executor();
  }
}
