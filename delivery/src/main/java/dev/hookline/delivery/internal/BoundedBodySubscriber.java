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

  /** When the body must be complete, by {@link System#nanoTime()}; unused without a deadline. */
  private final long deadline;

  private final boolean hasDeadline;
  private final @Nullable BodyDeadlines sweeper;
  private volatile Flow.@Nullable Subscription subscription;
  private volatile boolean timerArmed;

  BoundedBodySubscriber(int limit) {
    this.limit = limit;
    this.kept = new ByteArrayOutputStream(0); // grown as bytes arrive, as below
    this.deadline = 0;
    this.hasDeadline = false;
    this.sweeper = null;
  }

  /**
   * A subscriber that also gives up when the deadline passes: the body then completes with a {@link
   * TimeoutException} and the subscription is cancelled, which closes the connection. The JDK's
   * request timeout stops at the response headers; this covers a body that dribbles in or never
   * starts.
   *
   * <p>The deadline is watched from when {@link #onSubscribe} has asked for the body (the client
   * subscribes as soon as the headers are read, so a body that never starts is covered), by the
   * {@code sweeper} if there is one, else by a timer of its own on the JDK's shared {@link
   * CompletableFuture} delay scheduler: a timer per body woke that scheduler's thread for nearly
   * every response to a fast endpoint ({@link BodyDeadlines}).
   *
   * @param limit most bytes kept
   * @param remainingNanos time left until the attempt's deadline
   * @param sweeper what ends bodies past their deadline; null for a timer per body
   */
  BoundedBodySubscriber(int limit, long remainingNanos, @Nullable BodyDeadlines sweeper) {
    this.limit = limit;
    // Grown as bytes arrive: most endpoints answer with no body or a few bytes, and a buffer made
    // ahead for each response was a kilobyte of garbage per delivery.
    this.kept = new ByteArrayOutputStream(0);
    this.deadline = System.nanoTime() + Math.max(0, remainingNanos);
    this.hasDeadline = true;
    this.sweeper = sweeper;
    var unused =
        result.whenComplete(
            (body, failure) -> {
              if (sweeper != null) {
                sweeper.leave(this); // a no-op for a body it never watched
              }
              Flow.Subscription s = subscription;
              if (failure != null && s != null) {
                s.cancel();
              }
            });
  }

  /** Starts watching the deadline unless the body is complete already. */
  private void watchDeadlineIfIncomplete() {
    if (!hasDeadline || result.isDone()) {
      return;
    }
    if (sweeper != null && sweeper.watch(this)) {
      if (result.isDone()) {
        sweeper.leave(this); // completed while joining: its leave may have come first
      }
      return;
    }
    timeItself();
  }

  /** Arms a timer of this body's own for its deadline. */
  void timeItself() {
    timerArmed = true;
    result.orTimeout(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  /**
   * Ends the body with a {@link TimeoutException} if its deadline has passed (called by the sweep).
   *
   * @param now {@link System#nanoTime()}
   * @return whether the body is done (ended now or before)
   */
  boolean expireIfPast(long now) {
    if (!result.isDone() && deadline - now <= 0) {
      result.completeExceptionally(new TimeoutException());
    }
    return result.isDone();
  }

  /** Returns whether a timer of its own was armed for the deadline (for tests). */
  boolean timerArmed() {
    return timerArmed;
  }

  /** Returns whether the body gave up because the deadline passed. */
  boolean timedOut() {
    return result.isDone()
        && result.handle((body, failure) -> failure).getNow(null) instanceof TimeoutException;
  }

  /**
   * Returns the bytes kept so far: of a body cut at its deadline, what arrived before it.
   *
   * @return a copy of the bytes kept
   */
  byte[] keptSoFar() {
    return kept.toByteArray(); // ByteArrayOutputStream's methods are synchronized
  }

  @Override
  public CompletionStage<byte[]> getBody() {
    return result;
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
    if (result.isDone()) {
      s.cancel();
      return;
    }
    if (limit == 0) {
      result.complete(new byte[0]);
      s.cancel();
      return;
    }
    if (hasDeadline && deadline - System.nanoTime() <= 0) {
      result.completeExceptionally(new TimeoutException()); // the deadline passed already
      return; // completing cancels the subscription
    }
    s.request(1);
    watchDeadlineIfIncomplete();
  }

  @Override
  public void onNext(List<ByteBuffer> items) {
    Flow.Subscription s = subscription;
    if (result.isDone() || s == null) {
      return;
    }
    for (ByteBuffer b : items) {
      int take = Math.min(b.remaining(), limit - kept.size());
      if (take > 0 && b.hasArray()) {
        kept.write(b.array(), b.arrayOffset() + b.position(), take); // no copy in between
        b.position(b.position() + take);
      } else if (take > 0) {
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
