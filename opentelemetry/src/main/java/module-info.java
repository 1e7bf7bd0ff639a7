/**
 * Hookline's optional OpenTelemetry integration: one CLIENT span per delivery attempt, linked to
 * the trace the event was published in; {@code traceparent} sent to the webhooks that opted in.
 */
module dev.hookline.otel {
  requires transitive dev.hookline.delivery;
  requires transitive io.opentelemetry.api;
  requires transitive io.opentelemetry.context;
  requires io.opentelemetry.instrumentation_api;
  requires static transitive org.jspecify;

  exports dev.hookline.otel;
}
