package dev.hookline.delivery;

import java.util.List;

/**
 * Observes each delivery attempt from just before its request is sent until its outcome is known:
 * the hook for tracing and metrics libraries (see the {@code hookline-micrometer} and {@code
 * hookline-opentelemetry} modules). Set with {@link Dispatcher.Builder#attemptObserver}. Without
 * one, the dispatcher does no observation work at all.
 *
 * <p>When the outcome is known: a failure (a retry scheduled, a delivery failed for good) once the
 * Store recorded it; a success ({@code 2xx}) as soon as the endpoint answered, before the outcome
 * is handed to the Store. So a success's span and timer cover the exchange and never the Store's
 * write, nothing of the scope is current while the worker records (on PostgreSQL perhaps other
 * workers' outcomes too), and observing adds no wait: PostgreSQL records successes in grouped
 * writes that no worker waits for. The {@link DeliveryListener} is told a success only once it is
 * recorded.
 *
 * <h2>Threading</h2>
 *
 * For every attempt, {@link #beforeAttempt} and then its scope's {@link Scope#afterAttempt} are
 * called exactly once each, <em>on the same worker thread</em>, and that thread does nothing else
 * in between but send the request and, for anything but a success, record the outcome. So a scope
 * may open thread-local state (an OpenTelemetry {@code Context} made current, a Micrometer {@code
 * Observation.Scope}) in {@code beforeAttempt} and close it in {@code afterAttempt}. Attempts to
 * many webhooks run on many threads at once: an observer must be thread-safe and quick, and must
 * not block. An observer that throws is logged and otherwise ignored; the attempt goes on
 * unaffected.
 *
 * <p>Implementations must be thread-safe; a {@link Scope} is used by one thread only.
 */
@FunctionalInterface
public interface AttemptObserver {

  /**
   * Called before the attempt's request is built and sent. May add headers to the request through
   * {@link AttemptRequest#header}.
   *
   * @param request the attempt about to be made
   * @return the scope told the outcome; {@link Scope#none()} if nothing is to be told
   */
  Scope beforeAttempt(AttemptRequest request);

  /**
   * Called when the dispatcher learns that a webhook was deleted: through its registry, in this
   * process, or through the Store's change feed or a reload, when another instance deleted it. An
   * observer that keeps something per webhook (meters tagged with its id, cached attributes) drops
   * it here. Called on whatever thread learned it, perhaps more than once for one deletion, and
   * perhaps while an attempt of the webhook still runs. By default nothing.
   *
   * @param webhookId the deleted webhook
   */
  default void webhookDeleted(String webhookId) {}

  /**
   * Returns an observer that calls each of {@code observers} in order before an attempt, and their
   * scopes in reverse order after it, like nested scopes. One that throws does not keep the others
   * from running, nor the scopes already opened from being told the outcome: its exception is
   * thrown (and so logged by the dispatcher) after every scope has been told.
   *
   * @param observers the observers
   * @return the combined observer
   */
  static AttemptObserver composite(List<? extends AttemptObserver> observers) {
    List<AttemptObserver> all = List.copyOf(observers);
    if (all.size() == 1) {
      return all.get(0);
    }
    return new dev.hookline.delivery.internal.CompositeObserver(all);
  }

  /**
   * One attempt's observation, closed with its outcome. Used by one thread only: the worker thread
   * that called {@link AttemptObserver#beforeAttempt}.
   */
  @FunctionalInterface
  interface Scope {

    /**
     * Returns a scope that does nothing.
     *
     * @return the no-op scope
     */
    static Scope none() {
      return result -> {};
    }

    /**
     * Called once, on the thread that called {@link AttemptObserver#beforeAttempt}: for a success,
     * once the endpoint answered, before the outcome is handed to the Store; otherwise after the
     * outcome is recorded in the Store (or after the attempt was given up unsent).
     *
     * @param result what happened
     */
    void afterAttempt(AttemptResult result);

    /**
     * Called on the attempt's thread just before its request, built with the headers added in
     * {@link AttemptObserver#beforeAttempt}, goes to the HTTP client; the returned {@code Runnable}
     * is run on the same thread once the client is done with it (answered, failed, timed out or cut
     * off by {@link Dispatcher#close()}), before {@link #afterAttempt}. Not called for an attempt
     * given up before its request was built. Called at most once per attempt: the destination check
     * (which may refuse the request) and a request sent again at once (its connection closed before
     * answering) are inside that one call.
     *
     * <p>What the scope makes current in between is what code that instruments the JDK's {@code
     * HttpClient} sees. The OpenTelemetry Java agent, for one, injects the current context's
     * headers ({@code traceparent}, {@code tracestate}, {@code baggage}) into every request the JVM
     * sends: a scope that decides itself which headers an endpoint gets makes current here a
     * context with nothing to inject. By default nothing.
     *
     * @return run once the client is done with the request; not null
     */
    default Runnable beforeSend() {
      return () -> {};
    }
  }
}
