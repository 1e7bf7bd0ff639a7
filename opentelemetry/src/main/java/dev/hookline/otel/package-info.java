/**
 * OpenTelemetry tracing of Hookline deliveries: {@link dev.hookline.otel.HooklineTelemetry}. See
 * {@code docs/observability.md} for the span layout.
 */
@NullMarked
package dev.hookline.otel;

import org.jspecify.annotations.NullMarked;
