package dev.hookline.delivery.internal;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
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
  private Flow.@Nullable Subscription subscription;

  BoundedBodySubscriber(int limit) {
    this.limit = limit;
    this.kept = new ByteArrayOutputStream(Math.min(limit, 1024));
  }

  @Override
  public CompletionStage<byte[]> getBody() {
    return result;
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
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
