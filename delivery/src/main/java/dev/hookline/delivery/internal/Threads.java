package dev.hookline.delivery.internal;

import java.lang.reflect.Method;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/** Thread factories and executors for the threads a dispatcher owns. Stateless. */
public final class Threads {
  private Threads() {}

  /**
   * A factory of named daemon platform threads ({@code prefix-1}, {@code prefix-2}, ...).
   *
   * @param prefix the name prefix
   * @return the factory
   */
  public static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * Rethrows what no caller may swallow: the JVM out of memory or stack, or broken. Other failures
   * of user code (an observer's or listener's {@code RuntimeException} or {@code Error}, such as a
   * {@code LinkageError} from a mismatched library) are logged and ignored by their callers, so
   * that they never keep an attempt from being made or recorded.
   *
   * @param t what was caught
   */
  public static void rethrowIfFatal(Throwable t) {
    if (t instanceof VirtualMachineError fatal) {
      throw fatal;
    }
  }

  /**
   * Returns a thread-per-task executor of virtual threads on JDK 21+, or empty on older JDKs.
   * Looked up reflectively so the library still compiles for and runs on Java 17.
   *
   * @param prefix the thread name prefix
   * @param wrap wraps the factory of virtual threads (to run code on each thread first, say)
   * @return the executor, if this JVM has virtual threads
   */
  public static Optional<ExecutorService> virtualPerTask(
      String prefix, UnaryOperator<ThreadFactory> wrap) {
    try {
      Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
      Class<?> builderType = Class.forName("java.lang.Thread$Builder");
      Method name = builderType.getMethod("name", String.class, long.class);
      builder = name.invoke(builder, prefix + "-", 1L);
      ThreadFactory factory = (ThreadFactory) builderType.getMethod("factory").invoke(builder);
      Method perTask = Executors.class.getMethod("newThreadPerTaskExecutor", ThreadFactory.class);
      return Optional.of((ExecutorService) perTask.invoke(null, wrap.apply(factory)));
    } catch (ReflectiveOperationException | ClassCastException e) {
      return Optional.empty();
    }
  }
}
