package dev.hookline.receiver.set.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * A response body collected up to a limit: once {@code limit} bytes have come it stops reading (the
 * connection is given up) and completes with those, so a caller that asks for one byte more than it
 * accepts can tell a body that is too large. {@link #abort} ends it early, for a deadline.
 *
 * <p>Thread-safe as a {@link Flow.Subscriber} must be: the client calls it serially, {@link #abort}
 * may come from any thread.
 */
final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
  private final int limit;
  private final CompletableFuture<byte[]> result = new CompletableFuture<>();
  private final AtomicReference<Flow.@Nullable Subscription> subscription = new AtomicReference<>();
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

  /**
   * Creates the body.
   *
   * @param limit the most bytes kept; 0 reads none
   */
  BoundedBody(int limit) {
    this.limit = limit;
  }

  /** A body that is not read at all, for answers whose body is of no use. */
  static BoundedBody none() {
    return new BoundedBody(0);
  }

  @Override
  public CompletionStage<byte[]> getBody() {
    return result;
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    if (!subscription.compareAndSet(null, s) || result.isDone()) {
      s.cancel();
      return;
    }
    if (limit == 0) {
      finish();
    } else {
      s.request(1);
    }
  }

  @Override
  public void onNext(List<ByteBuffer> items) {
    if (result.isDone()) {
      return;
    }
    for (ByteBuffer b : items) {
      int take = Math.min(b.remaining(), limit - bytes.size());
      byte[] chunk = new byte[take];
      b.get(chunk);
      bytes.write(chunk, 0, take);
      if (bytes.size() >= limit) {
        finish();
        return;
      }
    }
    Flow.Subscription s = subscription.get();
    if (s != null) {
      s.request(1);
    }
  }

  @Override
  public void onError(Throwable t) {
    result.completeExceptionally(t);
  }

  @Override
  public void onComplete() {
    result.complete(bytes.toByteArray());
  }

  /** Stops reading and fails the body, if it has not ended yet. */
  void abort() {
    result.completeExceptionally(new IOException("the body was abandoned at its deadline"));
    Flow.Subscription s = subscription.get();
    if (s != null) {
      s.cancel();
    }
  }

  private void finish() {
    result.complete(bytes.toByteArray());
    Flow.Subscription s = subscription.get();
    if (s != null) {
      s.cancel();
    }
  }
}
