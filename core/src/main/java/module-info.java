/**
 * Hookline core: domain model, event catalogue, {@code WebhookRegistry}, Store SPI and the
 * in-memory store.
 */
module dev.hookline.core {
  requires transitive com.fasterxml.jackson.databind;
  requires org.slf4j;
  requires transitive java.sql;
  requires static transitive org.jspecify;

  exports dev.hookline;
  exports dev.hookline.spi;
  exports dev.hookline.store;
}
