package dev.hookline.store.jdbc.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Group commit: requests from many threads written by one statement, each caller waiting until the
 * statement that carries its request has committed (or failed) and getting its own answer. The
 * first caller to find no flush running becomes the leader: it takes every queued request (at most
 * {@code maxBatch}), flushes them and hands out the results; requests that arrive meanwhile wait
 * for the next flush, led by one of them. Alone, a caller flushes at once (no timer, no added
 * latency); under load, the batch grows with the number of callers waiting.
 *
 * <p>Optionally a leader lingers: when the previous flush carried more than one request (callers
 * are arriving together), it waits up to {@code linger} for more requests before flushing, unless
 * {@code maxBatch} are queued sooner; when the previous flush carried {@code busyBatch} or more
 * (callers arrive faster than a flush can take them, as in a burst), it waits up to {@code
 * busyLinger} instead. Callers that come one at a time never linger (only the first after a flush
 * of several can wait, once). Used for attempt outcomes, whose callers have already freed their
 * endpoint's slot and wait only to learn that the outcome is durable: fewer, larger statements for
 * a few milliseconds more of that wait, and the longer wait only while the batches show a burst.
 *
 * <p>Each waiting caller has its own condition: a flush wakes the callers it answered and the one
 * that leads next, not every caller waiting (with 32 workers waiting on outcomes, waking them all
 * after each flush made most of them wake only to wait again).
 *
 * <p>A caller may also submit without waiting ({@link #submitAsync}): its answer goes to a
 * callback, run by the thread that flushed the request. Such a request needs a leader like any
 * other, so a leader that finds an asynchronous request at the head of the queue after its flush
 * leads the next flush too (a waiting caller at the head leads its own), until the queue is empty:
 * a request submitted without waiting never waits for a later caller to carry it. Under steady load
 * the thread that leads may so go on flushing for a while; nothing else waits on it.
 *
 * <p>Nothing is acknowledged before it is durable: a caller returns, and a callback runs, only
 * after its flush, so a process that dies with requests queued or in flight has told none of their
 * callers they were recorded, exactly as if each had run its own statement.
 *
 * <p>A leader writes with its thread's interrupt status cleared, and restores it afterwards: the
 * write carries other callers' requests, and a leader interrupted (a dispatcher shutting down
 * interrupts its workers) must not fail them all, as a pool that waits interruptibly for a
 * connection does for an interrupted thread. An interrupt that arrives during the write is kept
 * too, but may still break it.
 *
 * <p>Thread-safe.
 *
 * @param <R> a request
 */
public final class GroupCommit<R> {
  /** Writes a batch in one statement; returns, per request in order, whether it was recorded. */
  @FunctionalInterface
  public interface Flusher<R> {
    /**
     * Writes the requests.
     *
     * @param requests one or more requests
     * @return for each request, in order, whether it was recorded
     * @throws RuntimeException if the write failed: every request in the batch fails with it
     */
    boolean[] flush(List<R> requests);
  }

  /**
   * Thrown by a {@link Flusher} that, after its joint write failed on one request's data, wrote the
   * requests one by one: each gets its own answer, recorded or not, or its own failure.
   */
  public static final class PartialFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Per request, in order, whether it was recorded. */
    private final boolean[] recorded;

    /** Per request, in order, its failure, or null. */
    private final @Nullable RuntimeException[] failures;

    /**
     * Creates the answers.
     *
     * @param recorded per request, in order, whether it was recorded
     * @param failures per request, in order, its failure or null; as long as {@code recorded}
     */
    public PartialFailure(boolean[] recorded, @Nullable RuntimeException[] failures) {
      super("a group write failed; its requests were written one by one", null, false, false);
      if (recorded.length != failures.length) {
        throw new IllegalArgumentException(
            recorded.length + " results for " + failures.length + " failures");
      }
      this.recorded = recorded.clone();
      this.failures = failures.clone();
    }
  }

  /** Told the answer to a request submitted with {@link #submitAsync}. */
  @FunctionalInterface
  public interface Callback {
    /**
     * Called once, after the flush that carried the request, on the thread that led it.
     *
     * @param recorded whether the request was recorded (false if {@code failure} is set)
     * @param failure the flush's failure, or null if it succeeded
     */
    void done(boolean recorded, @Nullable RuntimeException failure);
  }

  private final int maxBatch;
  private final long lingerNanos;
  private final int busyBatch;
  private final long busyLingerNanos;
  private final Flusher<R> flusher;

  /**
   * Failures of a whole flush that answer every request queued meanwhile too: see the constructor.
   */
  private final Predicate<? super RuntimeException> failQueued;

  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<Pending<R>> queue = new ArrayDeque<>(); // guarded by lock
  private boolean flushing; // guarded by lock
  private int lastBatch; // guarded by lock
  private @Nullable Condition lingering; // guarded by lock: the leader's, while it lingers

  /**
   * What a leader without a waiting request of its own (one submitted without waiting) waits on.
   */
  private final Condition asyncLeader = lock.newCondition();

  /**
   * Creates a group commit.
   *
   * @param maxBatch the most requests one flush takes
   * @param flusher writes a batch
   */
  public GroupCommit(int maxBatch, Flusher<R> flusher) {
    this(maxBatch, Duration.ZERO, flusher);
  }

  /**
   * Creates a group commit whose flush, failing whole with a failure {@code failQueued} accepts
   * (the database unreachable), answers every request queued meanwhile with it too, instead of
   * flushing them {@code maxBatch} at a time, each flush failing the same way after the same wait:
   * while every flush waits a connection timeout, a caller behind {@code n} others learned of the
   * outage after {@code n / maxBatch} timeouts, and callers arriving faster than that piled up.
   *
   * @param maxBatch the most requests one flush takes
   * @param flusher writes a batch
   * @param failQueued which failures of a whole flush also answer the requests queued
   */
  public GroupCommit(
      int maxBatch, Flusher<R> flusher, Predicate<? super RuntimeException> failQueued) {
    this(maxBatch, Duration.ZERO, Integer.MAX_VALUE, Duration.ZERO, flusher, failQueued);
  }

  /**
   * Creates a group commit whose leader lingers under load.
   *
   * @param maxBatch the most requests one flush takes
   * @param linger how long a leader waits for more requests when the previous flush carried more
   *     than one; zero for never
   * @param flusher writes a batch
   */
  public GroupCommit(int maxBatch, Duration linger, Flusher<R> flusher) {
    this(maxBatch, linger, Integer.MAX_VALUE, linger, flusher);
  }

  /**
   * Creates a group commit whose leader lingers under load, and longer in a burst.
   *
   * @param maxBatch the most requests one flush takes
   * @param linger how long a leader waits for more requests when the previous flush carried more
   *     than one; zero for never
   * @param busyBatch from how many requests in the previous flush the leader waits {@code
   *     busyLinger} instead; at least 2
   * @param busyLinger how long a leader waits after such a flush; at least {@code linger}
   * @param flusher writes a batch
   */
  public GroupCommit(
      int maxBatch, Duration linger, int busyBatch, Duration busyLinger, Flusher<R> flusher) {
    this(maxBatch, linger, busyBatch, busyLinger, flusher, e -> false);
  }

  private GroupCommit(
      int maxBatch,
      Duration linger,
      int busyBatch,
      Duration busyLinger,
      Flusher<R> flusher,
      Predicate<? super RuntimeException> failQueued) {
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be at least 1, was " + maxBatch);
    }
    if (linger.isNegative()) {
      throw new IllegalArgumentException("linger must not be negative, was " + linger);
    }
    if (busyBatch < 2) {
      throw new IllegalArgumentException("busyBatch must be at least 2, was " + busyBatch);
    }
    if (busyLinger.compareTo(linger) < 0) {
      throw new IllegalArgumentException(
          "busyLinger must be at least linger (" + linger + "), was " + busyLinger);
    }
    this.maxBatch = maxBatch;
    this.lingerNanos = linger.toNanos();
    this.busyBatch = busyBatch;
    this.busyLingerNanos = busyLinger.toNanos();
    this.flusher = flusher;
    this.failQueued = failQueued;
  }

  /**
   * One caller's request and, once flushed, its answer: a waiting caller's has a condition to wake
   * it, an asynchronous one a callback. Fields guarded by the lock.
   */
  private static final class Pending<R> {
    final R request;
    final @Nullable Condition wake;
    final @Nullable Callback callback;
    boolean done;
    boolean recorded;
    @Nullable RuntimeException failure;

    Pending(R request, @Nullable Condition wake, @Nullable Callback callback) {
      this.request = request;
      this.wake = wake;
      this.callback = callback;
    }
  }

  /**
   * Writes a request together with whatever other callers are writing, and waits for the result. An
   * interrupt while waiting is kept and the wait goes on: the request may already be in a statement
   * on its way, and its caller must learn whether it was recorded.
   *
   * <p>A caller that leads a flush which ends in an Error gets that Error if its own request was in
   * the flush (the other requests of the flush fail with an IllegalStateException caused by it); an
   * Error in a flush of other callers' requests alone is their answer, not this caller's, which
   * still gets its own.
   *
   * @param request the request
   * @return whether it was recorded
   * @throws RuntimeException the flush's failure, if the statement carrying the request failed
   * @throws Error the Error the flush carrying the request ended in, if this caller led it; or one
   *     a callback threw while this caller led
   */
  public boolean submit(R request) {
    boolean interrupted = false;
    Error error = null;
    lock.lock();
    try {
      Condition wake = lock.newCondition();
      Pending<R> mine = new Pending<>(request, wake, null);
      add(mine);
      while (!mine.done) {
        if (!flushing) {
          try {
            interrupted |= lead(wake, mine);
          } catch (Error e) {
            // A callback's Error, or this request's flush's: if the request is still queued (the
            // callback's came first), it still gets its answer before the Error is thrown.
            error = merged(error, e);
          }
        } else {
          try {
            wake.await();
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
      }
      if (error != null) {
        throw error;
      }
      if (mine.failure != null) {
        throw mine.failure;
      }
      return mine.recorded;
    } finally {
      lock.unlock();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Writes a request together with whatever other callers are writing, without waiting for the
   * result: {@code callback} is told it after the flush that carries the request. If no flush is
   * running, the calling thread leads one now, and goes on leading until no request is left that
   * was submitted without waiting (so it returns only after its own callback, and maybe others',
   * have run); otherwise it returns at once and the running leader carries the request.
   *
   * <p>A callback runs without the lock held, on the leading thread; one that throws is ignored
   * (the others still run). An interrupt while leading makes the leader stop lingering and flush at
   * once; it is kept.
   *
   * @param request the request
   * @param callback told whether it was recorded, or the flush's failure
   * @throws Error once every request this caller led was answered: the Error its own request's
   *     flush ended in (the callback is told an IllegalStateException caused by it), or one a
   *     callback threw
   */
  public void submitAsync(R request, Callback callback) {
    boolean interrupted = false;
    lock.lock();
    try {
      Pending<R> mine = new Pending<>(request, null, callback);
      add(mine);
      if (!flushing) {
        interrupted = lead(asyncLeader, mine);
      }
    } finally {
      lock.unlock();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void add(Pending<R> p) {
    queue.add(p);
    if (lingering != null && queue.size() >= maxBatch) {
      lingering.signal(); // a full batch: the leader need not wait longer
    }
  }

  /**
   * Returns how many requests wait for a flush, not counting those in the flush running (for
   * tests).
   *
   * @return the count
   */
  int queued() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Flushes the queue's head as leader, and again while an asynchronous request is left at the head
   * with nobody else leading; called and returns with the lock held (released during each flush and
   * while callbacks run).
   *
   * <p>The next flush may start while a batch's callbacks run, so that callbacks (which tell
   * listeners) never hold up the writes behind them: the flag is dropped and a waiting caller at
   * the head is woken to lead before they run. An asynchronous request at the head is led by
   * whoever submits next, or else by this thread once its callbacks ran.
   *
   * <p>A flush that ends in an Error fails each of its requests with an IllegalStateException
   * caused by it; the Error is thrown, once this thread is done leading, only if {@code mine} was
   * in that flush: a flush this thread led for others alone is theirs to learn of, and this
   * thread's own request may still be queued (a caller that came while nobody flushed leads the
   * queue's head, maybe without its own request).
   *
   * @param linger the condition this leader lingers on
   * @param mine the leader's own request
   * @return whether the leader was interrupted while it lingered (it then flushed at once)
   * @throws Error the Error {@code mine}'s flush ended in, or a callback's
   */
  private boolean lead(Condition linger, Pending<R> mine) {
    boolean interrupted = false;
    Error error = null;
    flushing = true;
    while (true) {
      List<Pending<R>> told = new ArrayList<>();
      try {
        try {
          interrupted |= lingerForMore(linger);
          flushHead(told, mine);
        } finally {
          // Also on an Error: the next caller can lead, and every callback of the batch is told.
          flushing = false;
          wakeWaitingHead();
          if (!told.isEmpty()) {
            lock.unlock();
            try {
              callAll(told);
            } finally {
              lock.lock();
            }
          }
        }
      } catch (Error e) {
        // Thrown once this thread is done leading: asynchronous requests queued behind this batch
        // have nobody else to lead them, and would wait for the next caller (forever, if idle).
        error = merged(error, e);
      }
      Pending<R> next = queue.peek();
      if (flushing || next == null) {
        break; // another leader took over, or nothing is left
      }
      if (next.wake != null) {
        next.wake.signal(); // a waiting caller: it leads the next flush
        break;
      }
      flushing = true; // a request submitted without waiting, and nobody leads it: this thread does
    }
    if (error != null) {
      if (interrupted) {
        Thread.currentThread().interrupt(); // not lost with the return value
      }
      throw error;
    }
    return interrupted;
  }

  private static Error merged(@Nullable Error first, Error next) {
    if (first == null) {
      return next;
    }
    if (first != next) {
      first.addSuppressed(next);
    }
    return first;
  }

  /** Wakes the caller at the head of the queue, if it is one that waits, to lead. */
  private void wakeWaitingHead() {
    Pending<R> next = queue.peek();
    if (next != null && next.wake != null) {
      next.wake.signal();
    }
  }

  private boolean lingerForMore(Condition linger) {
    if (lastBatch <= 1) {
      return false;
    }
    long left = lastBatch >= busyBatch ? busyLingerNanos : lingerNanos;
    if (left <= 0) {
      return false;
    }
    lingering = linger;
    try {
      while (left > 0 && queue.size() < maxBatch) {
        left = linger.awaitNanos(left);
      }
      return false;
    } catch (InterruptedException e) {
      return true; // flush now; the caller restores the interrupt
    } finally {
      lingering = null;
    }
  }

  /**
   * Flushes up to {@code maxBatch} requests from the queue's head and answers them: wakes the
   * waiting callers, and adds the others to {@code told}, in batch order, for the caller to call
   * back once it released the lock. Called and returns with the lock held.
   *
   * @throws Error the flush's, once its requests are answered, if {@code mine} was among them
   */
  private void flushHead(List<Pending<R>> told, Pending<R> mine) {
    List<Pending<R>> batch = new ArrayList<>(Math.min(queue.size(), maxBatch));
    while (!queue.isEmpty() && batch.size() < maxBatch) {
      batch.add(queue.poll());
    }
    List<R> requests = new ArrayList<>(batch.size());
    for (Pending<R> p : batch) {
      requests.add(p.request);
    }
    boolean[] recorded = null;
    RuntimeException failure = null;
    @Nullable RuntimeException[] failures = null;
    Error error = null;
    boolean interrupted = Thread.interrupted(); // see the class comment
    lock.unlock();
    try {
      recorded = flusher.flush(requests);
      if (recorded.length != requests.size()) {
        failure =
            new IllegalStateException(
                "group commit: " + recorded.length + " results for " + requests.size());
      }
    } catch (PartialFailure e) {
      if (e.recorded.length == requests.size()) {
        recorded = e.recorded;
        failures = e.failures;
      } else {
        failure =
            new IllegalStateException(
                "group commit: " + e.recorded.length + " results for " + requests.size(), e);
      }
    } catch (RuntimeException e) {
      failure = e;
    } catch (Error e) {
      error = e;
      failure = new IllegalStateException("group commit: the flush ended abruptly", e);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      // Also on an Error: every caller in the batch gets an answer, none waits forever.
      lock.lock();
      if (failure == null && recorded == null) {
        failure = new IllegalStateException("group commit: the flush ended abruptly");
      }
      for (int i = 0; i < batch.size(); i++) {
        Pending<R> p = batch.get(i);
        p.done = true;
        if (failure != null || recorded == null) {
          p.failure = failure;
        } else if (failures != null && failures[i] != null) {
          p.failure = failures[i];
        } else {
          p.recorded = recorded[i];
        }
        if (p.wake != null) {
          p.wake.signal();
        }
        if (p.callback != null) {
          told.add(p);
        }
      }
      lastBatch = batch.size();
      if (failure != null && failQueued.test(failure)) {
        // Every request queued meanwhile would fail the same way, each batch after the same wait.
        for (Pending<R> p = queue.poll(); p != null; p = queue.poll()) {
          p.done = true;
          p.failure = failure;
          if (p.wake != null) {
            p.wake.signal();
          }
          if (p.callback != null) {
            told.add(p);
          }
        }
      }
    }
    if (error != null && batch.contains(mine)) {
      throw error; // the leader's own answer; the others of the batch have theirs
    }
  }

  /**
   * Tells each asynchronous request of a batch its answer. A callback that throws does not keep the
   * others from being told: a RuntimeException is ignored (the flush stands), and the first Error
   * is thrown once all were told.
   */
  private static <R> void callAll(List<Pending<R>> told) {
    Error first = null;
    for (Pending<R> p : told) {
      Callback callback = p.callback;
      if (callback == null) {
        continue;
      }
      try {
        callback.done(p.recorded, p.failure);
      } catch (RuntimeException e) {
        // The callback's own failure: the others still run, and the flush stands.
      } catch (Error e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
