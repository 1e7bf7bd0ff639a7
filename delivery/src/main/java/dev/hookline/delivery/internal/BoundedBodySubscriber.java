package dev.hookline.delivery.internal;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * Keeps at most {@code limit} bytes of a response body. Once the limit is reached it completes and
 * cancels the subscription, so a huge or endless body costs neither memory nor time.
 *
 * <p>Called by the HTTP client's threads one signal at a time, as the Flow protocol requires.
 */
final class BoundedBodySubscriber implements HttpResponse.BodySubscriber<byte[]> {
  private final int limit;
  private final ByteArrayOutputStream kept;
  private final CompletableFuture<byte[]> result = new CompletableFuture<>();
  private volatile Flow.@Nullable Subscription subscription;

  BoundedBodySubscriber(int limit) {
    this.limit = limit;
    this.kept = new ByteArrayOutputStream(Math.min(limit, 1024));
  }

  /**
   * A subscriber that also gives up when the deadline passes: the body then completes with a {@link
   * TimeoutException} and the subscription is cancelled, which closes the connection. The JDK's
   * request timeout stops at the response headers; this covers a body that dribbles in. The timer
   * is the JDK's shared {@link CompletableFuture} delay scheduler: no thread of ours.
   *
   * @param limit most bytes kept
   * @param remainingNanos time left until the attempt's deadline
   */
  BoundedBodySubscriber(int limit, long remainingNanos) {
    this(limit);
    result.orTimeout(Math.max(0, remainingNanos), TimeUnit.NANOSECONDS);
    var unused =
        result.whenComplete(
            (body, failure) -> {
              Flow.Subscription s = subscription;
              if (failure != null && s != null) {
                s.cancel();
              }
            });
  }

  /** Returns whether the body gave up because the deadline passed. */
  boolean timedOut() {
    return result.isDone()
        && result.handle((body, failure) -> failure).getNow(null) instanceof TimeoutException;
  }

  @Override
  public CompletionStage<byte[]> getBody() {
    return result;
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
    if (result.isDone()) {
      s.cancel(); // the deadline passed before the body started
      return;
    }
    if (limit == 0) {
      result.complete(new byte[0]);
      s.cancel();
      return;
    }
    s.request(1);
  }

  @Override
  public void onNext(List<ByteBuffer> items) {
    Flow.Subscription s = subscription;
    if (result.isDone() || s == null) {
      return;
    }
    for (ByteBuffer b : items) {
      int take = Math.min(b.remaining(), limit - kept.size());
      if (take > 0) {
        byte[] chunk = new byte[take];
        b.get(chunk);
        kept.write(chunk, 0, take);
      }
    }
    if (kept.size() >= limit) {
      // Enough kept: stop reading. Cancelling closes the connection, which is cheaper than
      // draining megabytes nobody will look at.
      result.complete(kept.toByteArray());
      s.cancel();
    } else {
      s.request(1);
    }
  }

  @Override
  public void onError(Throwable t) {
    result.completeExceptionally(t);
  }

  @Override
  public void onComplete() {
    result.complete(kept.toByteArray());
  }
}
