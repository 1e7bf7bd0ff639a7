/**
 * Hookline's Spring Boot auto-configuration: a Store, a WebhookRegistry and a started Dispatcher
 * from {@code hookline.*} properties, with the Micrometer and OpenTelemetry observers when those
 * modules and their registries are present, a health indicator when Spring Boot Actuator is, and
 * the admin API's servlet mount when hookline-admin is present and turned on.
 */
module dev.hookline.spring {
  requires transitive dev.hookline.delivery;
  requires transitive dev.hookline.filters;
  // the public types carry Spring's annotations, so users of this module read Spring too
  requires transitive spring.boot;
  requires transitive spring.boot.autoconfigure;
  requires transitive spring.context;
  requires spring.beans;
  requires spring.core;
  requires org.slf4j;
  requires static dev.hookline.store.jdbc;
  requires static dev.hookline.micrometer;
  requires static dev.hookline.otel;
  requires static spring.boot.actuator;
  requires static spring.boot.actuator.autoconfigure;
  requires static transitive dev.hookline.admin;
  requires static jakarta.servlet;
  requires static transitive org.jspecify;

  exports dev.hookline.spring;

  // Spring reads and calls the configuration classes' package-private bean methods reflectively.
  opens dev.hookline.spring to
      spring.core,
      spring.beans,
      spring.context;
}
