package dev.hookline.spring;

import dev.hookline.delivery.Dispatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the dispatcher when the context starts, before the web server and message listeners (so
 * that what they receive can publish), and closes it when the context stops, after them (so that a
 * graceful drain can still publish) and before the application's beans are destroyed. A closed
 * dispatcher cannot start again: stopping the context ends delivery for this context's life.
 *
 * <p>Thread-safe: Spring calls it from one thread at a time; the state is volatile. The health
 * indicator reads the dispatcher's own state, not this, which knows nothing of a start or close the
 * application makes.
 */
final class DispatcherLifecycle implements SmartLifecycle {
  private static final Logger log = LoggerFactory.getLogger(DispatcherLifecycle.class);

  /**
   * Below the web server's graceful drain ({@code DEFAULT_PHASE - 1024}), the server itself ({@code
   * - 2048}) and message listener containers: a lower phase starts before them and stops after
   * them; still before beans (the DataSource) are destroyed.
   */
  static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

  private final Dispatcher dispatcher;
  private final boolean autoStart;
  private volatile boolean running;
  private volatile boolean closed;

  DispatcherLifecycle(Dispatcher dispatcher, boolean autoStart) {
    this.dispatcher = dispatcher;
    this.autoStart = autoStart;
  }

  @Override
  public void start() {
    if (closed) {
      // A Dispatcher does not start again once closed (a context stopped, then started).
      log.warn(
          "the Hookline dispatcher was closed when the context stopped and does not start again;"
              + " publishes fail until the application restarts");
      return;
    }
    dispatcher.start();
    running = true;
  }

  @Override
  public void stop() {
    running = false;
    closed = true;
    dispatcher.close();
  }

  @Override
  public int getPhase() {
    return PHASE;
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public boolean isAutoStartup() {
    return autoStart;
  }

  @Override
  public String toString() {
    return "DispatcherLifecycle[autoStart=" + autoStart + ", running=" + running + "]";
  }
}
