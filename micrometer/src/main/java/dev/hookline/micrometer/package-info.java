/**
 * Micrometer instrumentation of Hookline deliveries: {@link
 * dev.hookline.micrometer.HooklineObservations} (the attempt observer and counters) and {@link
 * dev.hookline.micrometer.HooklineMeterBinder} (queue and circuit-breaker gauges). See {@code
 * docs/observability.md} for the meters and their tags.
 */
@NullMarked
package dev.hookline.micrometer;

import org.jspecify.annotations.NullMarked;
