/**
 * Hookline's PostgreSQL store: the Store SPI over a caller-supplied {@code DataSource}, with
 * built-in schema migrations, the transactional outbox and {@code SKIP LOCKED} leases. The
 * PostgreSQL JDBC driver is needed at run time by the DataSource, not by this module's code.
 */
module dev.hookline.store.jdbc {
  requires transitive dev.hookline.core;
  requires transitive java.sql;
  requires org.slf4j;
  requires static transitive org.jspecify;

  exports dev.hookline.store.jdbc;
}
