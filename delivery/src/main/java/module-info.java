/**
 * Hookline delivery: the {@link dev.hookline.delivery.Dispatcher} that turns published events into
 * signed HTTP notifications, retries them, and verifies endpoints.
 */
@SuppressWarnings("module") // the qualified export names a module built after delivery
module dev.hookline.delivery {
  requires transitive dev.hookline.core;
  requires transitive dev.hookline.filters;
  requires transitive java.net.http;
  requires com.fasterxml.jackson.databind;
  requires com.github.benmanes.caffeine;
  requires org.slf4j;
  requires static transitive org.jspecify;

  exports dev.hookline.delivery;
  exports dev.hookline.delivery.spi;
  // A dispatcher's lifecycle state and registry, for the starter's health indicator and registry
  // bean: not API.
  exports dev.hookline.delivery.internal.access to
      dev.hookline.spring;
}
