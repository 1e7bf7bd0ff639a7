package dev.hookline.delivery.internal;

import java.util.concurrent.Executor;

/**
 * The executor of the HTTP client a dispatcher builds for itself (issue 13).
 *
 * <p>The JDK client runs a blocking {@code send} inline on the calling thread until the exchange
 * waits for its socket; from then on its selector thread hands each step to the client's executor,
 * so that its own loop never runs anything slow: reading the response off the socket, resuming the
 * request's write, completing the exchange's futures and the body, about ten tasks per request. In
 * a pool each is a wake-up of a parked thread, and together they measured as about a third of a
 * delivery's CPU to a fast endpoint (profiled: {@code futex} wait and signal, the pool's queue
 * hand-off).
 *
 * <p>This executor runs the client's own tasks ({@code jdk.internal.net.http.*}) and the steps of
 * its futures ({@code CompletableFuture}'s) inline, on the selector thread, as a non-blocking event
 * loop would: they work on bytes already read or on a non-blocking write, and end in Hookline's own
 * body subscriber ({@link BoundedBodySubscriber}, which never blocks) and in waking the worker that
 * waits in {@code send}. Two kinds still go to {@code pool}, as the JDK would send them: the TLS
 * engine's handshake tasks ({@code SSLFlowDelegate}: certificate checks and key exchange,
 * CPU-heavy), and a failed connect ({@code PlainHttpConnection}: its dependents may retry the
 * connect, which resolves the host name again, a blocking call). So does any task the client did
 * not make. The connect's success, and the TLS client hello (its key share), do run on the selector
 * thread. Tasks are recognised by the class that makes them (the same names on JDK 17 and 25,
 * {@code SelectorHandOffsTest}); a JDK that renames the client's classes sends their tasks to the
 * pool, which is the JDK's own behaviour: a miss costs speed, never correctness.
 *
 * <p>Used only for a client the dispatcher creates: a caller's client keeps its executor.
 * Thread-safe.
 */
final class SelectorHandOffs implements Executor {
  /**
   * Tasks that still go to the pool although made inside the client: the TLS engine's handshake
   * work, and a failed connect (its dependents may retry the connect, which resolves the host name
   * again, a blocking call).
   */
  private static final String[] TO_POOL = {
    "jdk.internal.net.http.common.SSLFlowDelegate", "jdk.internal.net.http.PlainHttpConnection",
  };

  /** Tasks that run inline: the client's own, and the steps of its futures. */
  private static final String[] INLINE = {
    "jdk.internal.net.http.", "java.util.concurrent.CompletableFuture$",
  };

  private static final ClassValue<Boolean> RUNS_INLINE =
      new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
          String name = type.getName();
          for (String prefix : TO_POOL) {
            if (name.startsWith(prefix)) {
              return false;
            }
          }
          for (String prefix : INLINE) {
            if (name.startsWith(prefix)) {
              return true;
            }
          }
          return false;
        }
      };

  private final Executor pool;

  /**
   * Creates the executor.
   *
   * @param pool where every task that does not run inline goes
   */
  SelectorHandOffs(Executor pool) {
    this.pool = pool;
  }

  @Override
  public void execute(Runnable task) {
    if (RUNS_INLINE.get(task.getClass())) {
      task.run();
    } else {
      pool.execute(task);
    }
  }

  /**
   * Whether a task of this class runs inline (for tests).
   *
   * @param type the task's class
   * @return true if it runs on the calling thread
   */
  static boolean runsInline(Class<?> type) {
    return RUNS_INLINE.get(type);
  }
}
