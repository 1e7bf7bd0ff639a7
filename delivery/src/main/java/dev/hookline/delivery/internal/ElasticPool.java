package dev.hookline.delivery.internal;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The platform worker pool for JVMs without virtual threads: at most {@code max} threads, started
 * only when every thread is taken; beyond its {@code core} threads they end after {@code keepAlive}
 * idle. So a dispatcher allowed 1,000 attempts in flight holds 1,000 threads only while 1,000
 * endpoints keep it waiting, and the few threads that fast endpoints need otherwise.
 *
 * <p>A plain {@link ThreadPoolExecutor} cannot do this: with an unbounded queue it never grows past
 * its core size, and with a core size of {@code max} it starts a thread for every task until it
 * holds {@code max}, idle or not. Here the queue refuses a task (so the pool starts a thread) only
 * while every live thread has a task; otherwise the task waits in the queue for a thread about to
 * be free, often the very thread that handed it out as its own attempt ended (see {@link
 * ClaimLoop}), which saves a thread hand-off per delivery.
 *
 * <p>Thread-safe.
 */
final class ElasticPool extends ThreadPoolExecutor {
  /** Tasks handed to the pool and not yet finished. */
  private final AtomicInteger pending = new AtomicInteger();

  /** Threads started and not yet ended; read without the pool's lock. */
  private final AtomicInteger live;

  private ElasticPool(
      int core,
      int max,
      long keepAliveNanos,
      GrowingQueue queue,
      ThreadFactory factory,
      AtomicInteger live) {
    super(core, max, keepAliveNanos, TimeUnit.NANOSECONDS, queue, factory, new Enqueue());
    this.live = live;
    queue.pool = this;
  }

  /**
   * Creates a pool.
   *
   * @param core how many threads, once started, stay (as in a fixed pool of that size: the first
   *     {@code core} tasks each start one, and they wait for work without a time limit)
   * @param max the most threads at once, 1 or more
   * @param keepAliveNanos how long an idle thread lives on
   * @param factory makes the threads
   * @return the pool
   */
  static ElasticPool create(int core, int max, long keepAliveNanos, ThreadFactory factory) {
    AtomicInteger live = new AtomicInteger();
    // Counted when made, not when running, so that tasks handed out meanwhile do not start more.
    ThreadFactory counting =
        r -> {
          Thread t =
              factory.newThread(
                  () -> {
                    try {
                      r.run();
                    } finally {
                      live.decrementAndGet();
                    }
                  });
          live.incrementAndGet();
          return t;
        };
    return new ElasticPool(
        Math.min(core, max), max, keepAliveNanos, new GrowingQueue(), counting, live);
  }

  @Override
  public void execute(Runnable task) {
    pending.incrementAndGet();
    try {
      super.execute(task);
    } catch (RuntimeException e) {
      pending.decrementAndGet();
      throw e;
    }
  }

  @Override
  protected void afterExecute(Runnable r, Throwable t) {
    pending.decrementAndGet();
  }

  /** Whether every live thread has a task, so a new one should start (while under the maximum). */
  private boolean allTaken() {
    int threads = live.get();
    return threads < getMaximumPoolSize() && pending.get() > threads;
  }

  /** Queues a task only when a thread will be free for it; see the class comment. */
  private static final class GrowingQueue extends LinkedBlockingQueue<Runnable> {
    private static final long serialVersionUID = 1L;

    @SuppressWarnings("NullAway.Init") // set by the pool's constructor, before any task
    private transient ElasticPool pool;

    @Override
    public boolean offer(Runnable task) {
      return !pool.allTaken() && super.offer(task);
    }

    /** Queues whatever the pool could not start a thread for (it reached its maximum meanwhile). */
    boolean force(Runnable task) {
      return super.offer(task);
    }
  }

  /** A task refused while the pool raced to its maximum waits in the queue after all. */
  private static final class Enqueue implements RejectedExecutionHandler {
    @Override
    public void rejectedExecution(Runnable task, ThreadPoolExecutor executor) {
      if (executor.isShutdown() || !((GrowingQueue) executor.getQueue()).force(task)) {
        throw new RejectedExecutionException("the dispatcher's worker pool is shut down");
      }
    }
  }
}
