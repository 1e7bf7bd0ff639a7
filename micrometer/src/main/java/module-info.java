/**
 * Hookline's optional Micrometer integration: an {@link dev.hookline.delivery.AttemptObserver}
 * built on the Observation API (a timer per attempt, and spans too with micrometer-tracing),
 * counters for deliveries failed for good and webhooks disabled, and cached queue gauges.
 */
module dev.hookline.micrometer {
  requires transitive dev.hookline.delivery;
  requires transitive micrometer.observation;
  requires transitive micrometer.core;
  requires transitive micrometer.commons;
  requires static transitive org.jspecify;

  exports dev.hookline.micrometer;
}
