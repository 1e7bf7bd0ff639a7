package dev.hookline.delivery.internal;

import java.time.Duration;
import java.util.Iterator;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ends the response bodies that are not complete by their attempt's deadline, from one sweep every
 * {@code tick} on the dispatcher's scheduler instead of a timer per body.
 *
 * <p>A body to a fast endpoint is read within microseconds of its headers, so a timer armed for it
 * (the JDK's shared {@code CompletableFuture} delay scheduler) found that scheduler's queue empty
 * nearly every time and woke its thread, then was cancelled: a wake-up per response. Here a body
 * joins a set and leaves it as it completes; the sweep runs only while bodies come (it stops after
 * a tick with none open and none joined, and the next body starts it again), so an idle dispatcher
 * costs nothing. A body is ended at most one tick after its deadline.
 *
 * <p>Thread-safe: bodies join and leave from the HTTP client's threads, the sweep runs on the
 * scheduler. Should the scheduler refuse the sweep (shut down by its owner), each open body falls
 * back to a timer of its own.
 */
final class BodyDeadlines {
  /** How often the sweep looks at the open bodies while there are any. */
  static final Duration TICK = Duration.ofMillis(50);

  private final ScheduledExecutorService scheduler;
  private final long tickNanos;
  private final Set<BoundedBodySubscriber> open = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean sweeping = new AtomicBoolean();
  private volatile boolean joined;

  BodyDeadlines(ScheduledExecutorService scheduler, Duration tick) {
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    if (tick.isNegative() || tick.isZero()) {
      throw new IllegalArgumentException("tick must be positive, was " + tick);
    }
    this.tickNanos = tick.toNanos();
  }

  /**
   * Watches a body until it leaves ({@link #leave}) or its deadline passes.
   *
   * @param body the body
   * @return false if the scheduler refused the sweep: the caller times the body itself
   */
  boolean watch(BoundedBodySubscriber body) {
    open.add(body);
    joined = true;
    if (!sweeping.get() && sweeping.compareAndSet(false, true) && !schedule()) {
      sweeping.set(false);
      open.remove(body);
      return false;
    }
    return true;
  }

  /** Forgets a body that completed. */
  void leave(BoundedBodySubscriber body) {
    open.remove(body);
  }

  /** Whether a sweep is scheduled (for tests). */
  boolean sweeping() {
    return sweeping.get();
  }

  private boolean schedule() {
    try {
      var unused = scheduler.schedule(this::sweep, tickNanos, TimeUnit.NANOSECONDS);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  private void sweep() {
    long now = System.nanoTime();
    for (Iterator<BoundedBodySubscriber> it = open.iterator(); it.hasNext(); ) {
      if (it.next().expireIfPast(now)) {
        it.remove();
      }
    }
    boolean active = joined;
    joined = false;
    if (!active && open.isEmpty()) {
      sweeping.set(false);
      // A body that joined while this sweep decided to stop saw it still sweeping: start again.
      if (open.isEmpty() || !sweeping.compareAndSet(false, true)) {
        return;
      }
    }
    if (!schedule()) {
      sweeping.set(false);
      for (Iterator<BoundedBodySubscriber> it = open.iterator(); it.hasNext(); ) {
        BoundedBodySubscriber b = it.next();
        it.remove();
        b.timeItself();
      }
    }
  }
}
