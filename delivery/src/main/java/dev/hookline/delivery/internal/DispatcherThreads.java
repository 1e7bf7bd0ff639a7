package dev.hookline.delivery.internal;

import dev.hookline.delivery.Dispatcher;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads a dispatcher runs on: the worker pool that runs attempts, the scheduler for
 * background work (claiming, polling, reloads, purging) and, when the caller passed no HTTP client,
 * the client the dispatcher creates with its executor.
 *
 * <p>Attempts block their thread for the whole exchange (so that an {@link
 * dev.hookline.delivery.AttemptObserver} sees one thread from before to after), so the pool must
 * hold as many threads as attempts may be in flight ({@code workers}, bounded by {@link
 * ClaimLoop}): one virtual thread per attempt on JDK 21+, and otherwise an {@link ElasticPool} of
 * platform threads that starts threads only while all are taken and ends them after {@link
 * #IDLE_WORKER_KEEP_ALIVE} idle. {@link #shutdown()} stops what was created here; a caller's
 * scheduler and HTTP client stay open.
 *
 * <p>Logs as {@link Dispatcher}. Thread-safe: every field is final and set at construction; {@link
 * #shutdown()} is called once, by {@link Dispatcher#close()}.
 */
public final class DispatcherThreads {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  private final HttpClient client;

  /**
   * How many platform worker threads stay once started, as the old fixed pool of 32 did: a
   * dispatcher with up to 32 workers runs exactly as it did, and only threads beyond these end when
   * idle.
   */
  static final int CORE_WORKERS = 32;

  /** How long an idle platform worker thread beyond {@link #CORE_WORKERS} lives on. */
  static final Duration IDLE_WORKER_KEEP_ALIVE = Duration.ofSeconds(60);

  private final Executor workerPool;
  private final boolean virtual;
  private final @Nullable ExecutorService ownedWorkerPool;
  private final ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;
  private final @Nullable ExecutorService httpExecutor;
  private final @Nullable HttpClient ownedClient;

  /**
   * Runs the sweep that ends response bodies past their attempt's deadline ({@link BodyDeadlines}),
   * on a thread of its own: on the scheduler it waited behind whatever background work ran there (a
   * purge of a large backlog, a reload, a claim from a slow Store), and no body was cut meanwhile.
   * Its thread ends after {@link #SWEEPER_KEEP_ALIVE} without bodies to watch.
   */
  private final ScheduledThreadPoolExecutor bodySweeper;

  static final Duration SWEEPER_KEEP_ALIVE = Duration.ofSeconds(10);

  /**
   * The mark of the executor the current thread belongs to, if it is one of a dispatcher's own
   * worker or scheduler threads: {@link #shutdown()} called on such a thread (close() from a
   * listener or an observer) cannot wait for that executor to terminate, as it never will while the
   * caller waits.
   */
  private static final ThreadLocal<@Nullable Object> EXECUTOR_HERE = new ThreadLocal<>();

  private final Object workerMark = new Object();
  private final Object schedulerMark = new Object();

  /**
   * Creates the threads (and the HTTP client) the caller did not pass in.
   *
   * @param callerClient the caller's HTTP client, or null to create one
   * @param connectTimeout the connect timeout of a created client: the longest deadline of any
   *     request it sends (an attempt's or a handshake's), as each request's own timeout covers its
   *     connect
   * @param virtualThreads whether to run attempts on virtual threads when the JVM has them
   * @param workers the most platform worker threads (the most attempts in flight)
   * @param callerScheduler the caller's scheduler, or null to create one
   * @param callerWorkers the caller's executor for attempts, or null to create a pool
   */
  public DispatcherThreads(
      @Nullable HttpClient callerClient,
      Duration connectTimeout,
      boolean virtualThreads,
      int workers,
      @Nullable ScheduledExecutorService callerScheduler,
      @Nullable Executor callerWorkers) {
    HttpClient c = callerClient;
    if (c == null) {
      this.httpExecutor = Executors.newCachedThreadPool(Threads.named("hookline-http"));
      c = HttpClients.defaultClient(connectTimeout, new SelectorHandOffs(httpExecutor));
      this.ownedClient = c;
    } else {
      this.httpExecutor = null;
      this.ownedClient = null;
    }
    this.client = c;
    this.bodySweeper = new ScheduledThreadPoolExecutor(1, Threads.named("hookline-body-deadlines"));
    bodySweeper.setKeepAliveTime(SWEEPER_KEEP_ALIVE.toNanos(), TimeUnit.NANOSECONDS);
    bodySweeper.allowCoreThreadTimeOut(true);

    boolean onVirtual = false;
    if (callerWorkers != null) {
      this.workerPool = callerWorkers;
      this.ownedWorkerPool = null;
    } else {
      ExecutorService pool = null;
      if (virtualThreads) {
        pool =
            Threads.virtualPerTask("hookline-delivery-worker", f -> marking(f, workerMark))
                .orElse(null);
        onVirtual = pool != null;
        if (pool == null) {
          log.debug("virtual threads are not available in this JVM; using platform worker threads");
        }
      }
      ExecutorService owned =
          pool != null
              ? pool
              : ElasticPool.create(
                  CORE_WORKERS,
                  workers,
                  IDLE_WORKER_KEEP_ALIVE.toNanos(),
                  marking(Threads.named("hookline-delivery-worker"), workerMark));
      this.workerPool = owned;
      this.ownedWorkerPool = owned;
    }
    this.virtual = onVirtual;
    if (callerScheduler != null) {
      this.scheduler = callerScheduler;
      this.ownsScheduler = false;
    } else {
      this.scheduler =
          Executors.newSingleThreadScheduledExecutor(
              marking(Threads.named("hookline-dispatcher"), schedulerMark));
      this.ownsScheduler = true;
    }
  }

  /**
   * The HTTP client for attempts and verification handshakes.
   *
   * @return the caller's client, or the one created here
   */
  public HttpClient client() {
    return client;
  }

  /**
   * The pool attempts run on.
   *
   * @return the pool
   */
  public Executor workerPool() {
    return workerPool;
  }

  /**
   * What attempts run on, for the start-up log.
   *
   * @return {@code virtual}, {@code platform} or {@code caller}
   */
  public String kind() {
    return ownedWorkerPool == null ? "caller" : virtual ? "virtual" : "platform";
  }

  /**
   * The scheduler for background work.
   *
   * @return the caller's scheduler, or the one created here
   */
  public ScheduledExecutorService scheduler() {
    return scheduler;
  }

  /**
   * The scheduler of the sweep that ends response bodies past their deadline: never busy with
   * anything else.
   *
   * @return the sweep's scheduler, owned here
   */
  public ScheduledExecutorService bodySweeper() {
    return bodySweeper;
  }

  /** Makes the threads of {@code factory} carry {@code mark} (see {@link #EXECUTOR_HERE}). */
  private static ThreadFactory marking(ThreadFactory factory, Object mark) {
    return r ->
        factory.newThread(
            () -> {
              EXECUTOR_HERE.set(mark);
              r.run();
            });
  }

  private static boolean onThreadOf(Object mark) {
    return EXECUTOR_HERE.get() == mark;
  }

  /**
   * Stops the worker pool (letting queued tasks run), then what was created here: the scheduler,
   * the body-deadline sweep's thread, the HTTP client and its executor. Waits up to 15 s for each,
   * but for the executor the calling thread belongs to (a close() called back on a worker or on the
   * scheduler thread): that one is shut down, and its threads end once their tasks, the caller's
   * among them, return.
   */
  public void shutdown() {
    ExecutorService owned = ownedWorkerPool;
    if (owned != null) {
      owned.shutdown();
      if (!onThreadOf(workerMark)) {
        awaitTermination(owned);
      }
    }
    if (ownsScheduler) {
      if (onThreadOf(schedulerMark)) {
        // Not shutdownNow(): it would interrupt the calling thread. The periodic tasks were
        // cancelled already, and a delayed one still due finds the dispatcher closed.
        scheduler.shutdown();
      } else {
        scheduler.shutdownNow();
        awaitTermination(scheduler);
      }
    }
    bodySweeper.shutdownNow();
    awaitTermination(bodySweeper);
    if (ownedClient != null) {
      closeClient(ownedClient);
    }
    ExecutorService http = httpExecutor;
    if (http != null) {
      http.shutdownNow();
      awaitTermination(http);
    }
  }

  private static void awaitTermination(ExecutorService executor) {
    try {
      if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
        executor.shutdownNow();
        if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
          log.warn("executor did not stop: {}", executor);
        }
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /** Closes a client this dispatcher created: {@code HttpClient.close()} exists from JDK 21. */
  private static void closeClient(HttpClient client) {
    if (client instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        log.debug("closing the HTTP client failed", e);
      }
    }
  }
}
