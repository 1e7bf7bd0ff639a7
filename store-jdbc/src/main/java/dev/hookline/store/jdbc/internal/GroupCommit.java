package dev.hookline.store.jdbc.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Group commit: requests from many threads written by one statement, each caller waiting until the
 * statement that carries its request has committed (or failed) and getting its own answer. The
 * first caller to find no flush running becomes the leader: it takes every queued request (at most
 * {@code maxBatch}), flushes them and hands out the results; requests that arrive meanwhile wait
 * for the next flush, led by one of them. Alone, a caller flushes at once (no timer, no added
 * latency); under load, the batch grows with the number of callers waiting.
 *
 * <p>Nothing is acknowledged before it is durable: a caller returns only after its flush, so a
 * process that dies with requests queued or in flight has told none of their callers they were
 * recorded, exactly as if each had run its own statement.
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

  private final int maxBatch;
  private final Flusher<R> flusher;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition flushed = lock.newCondition();
  private final ArrayDeque<Pending<R>> queue = new ArrayDeque<>(); // guarded by lock
  private boolean flushing; // guarded by lock

  /**
   * Creates a group commit.
   *
   * @param maxBatch the most requests one flush takes
   * @param flusher writes a batch
   */
  public GroupCommit(int maxBatch, Flusher<R> flusher) {
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be at least 1, was " + maxBatch);
    }
    this.maxBatch = maxBatch;
    this.flusher = flusher;
  }

  /** One caller's request and, once flushed, its answer. Fields guarded by the lock. */
  private static final class Pending<R> {
    final R request;
    boolean done;
    boolean recorded;
    @Nullable RuntimeException failure;

    Pending(R request) {
      this.request = request;
    }
  }

  /**
   * Writes a request together with whatever other callers are writing, and waits for the result. An
   * interrupt while waiting is kept and the wait goes on: the request may already be in a statement
   * on its way, and its caller must learn whether it was recorded.
   *
   * @param request the request
   * @return whether it was recorded
   * @throws RuntimeException the flush's failure, if the statement carrying the request failed
   */
  public boolean submit(R request) {
    Pending<R> mine = new Pending<>(request);
    boolean interrupted = false;
    lock.lock();
    try {
      queue.add(mine);
      while (!mine.done) {
        if (!flushing) {
          lead();
        } else {
          try {
            flushed.await();
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
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

  /** Flushes the queue's head as leader; called and returns with the lock held. */
  private void lead() {
    flushing = true;
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
    lock.unlock();
    try {
      recorded = flusher.flush(requests);
      if (recorded.length != requests.size()) {
        failure =
            new IllegalStateException(
                "group commit: " + recorded.length + " results for " + requests.size());
      }
    } catch (RuntimeException e) {
      failure = e;
    } finally {
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
        } else {
          p.recorded = recorded[i];
        }
      }
      flushing = false;
      flushed.signalAll();
    }
  }
}
