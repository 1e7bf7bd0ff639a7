/**
 * Hookline filters: the filter language (Java DSL, text syntax, JSON form), its compiler for the
 * {@code WebhookRegistry}, and the {@code SubscriptionIndex} the dispatcher routes events with.
 */
module dev.hookline.filters {
  requires transitive dev.hookline.core;
  requires transitive com.fasterxml.jackson.databind;
  requires org.slf4j;
  requires static transitive org.jspecify;

  exports dev.hookline.filter;
}
