package dev.hookline.micrometer;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names a delivery attempt's observation and chooses its key values. Implement it to replace {@link
 * DefaultAttemptObservationConvention} (for example, to add a key from the webhook), and set it
 * with {@link HooklineObservations.Builder#convention}. Low-cardinality key values become meter
 * tags: keep them few and bounded. Tag a webhook's id under the key {@code webhook.id}: deleting
 * the webhook then removes its meters, whatever the observation's name.
 *
 * <p>Implementations must be thread-safe.
 */
public interface AttemptObservationConvention
    extends ObservationConvention<AttemptObservationContext> {

  @Override
  default boolean supportsContext(Observation.Context context) {
    return context instanceof AttemptObservationContext;
  }
}
