package dev.hookline.spring;

import dev.hookline.delivery.Dispatcher;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the dispatcher when the context has started (in the last phase, after a web server) and
 * closes it first when the context stops, so that no attempt runs while the application's other
 * beans shut down. A closed dispatcher cannot start again: stopping the context ends delivery for
 * this context's life.
 *
 * <p>Thread-safe: Spring calls it from one thread at a time; the state is volatile.
 */
final class DispatcherLifecycle implements SmartLifecycle {
  private final Dispatcher dispatcher;
  private final boolean autoStart;
  private volatile boolean running;

  DispatcherLifecycle(Dispatcher dispatcher, boolean autoStart) {
    this.dispatcher = dispatcher;
    this.autoStart = autoStart;
  }

  @Override
  public void start() {
    dispatcher.start();
    running = true;
  }

  @Override
  public void stop() {
    running = false;
    dispatcher.close();
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
