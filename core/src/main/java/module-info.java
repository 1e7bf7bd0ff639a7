/**
 * Hookline core: domain model, event catalogue, {@code WebhookRegistry}, Store SPI and the
 * in-memory store.
 */
@SuppressWarnings("module") // qualified exports name modules built after core
module dev.hookline.core {
  requires transitive com.fasterxml.jackson.databind;
  requires org.slf4j;
  requires transitive java.sql;
  requires static transitive org.jspecify;

  exports dev.hookline;
  exports dev.hookline.spi;
  exports dev.hookline.store;
  // System-driven state changes (handshake outcome, disabling by failure), the registry's Store
  // and the Stores' event comparison: Hookline's own modules only, never user code.
  exports dev.hookline.internal to
      dev.hookline.filters,
      dev.hookline.delivery,
      dev.hookline.admin,
      dev.hookline.store.jdbc,
      dev.hookline.testing;
}
