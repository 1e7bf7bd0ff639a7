/**
 * Hookline's management API: a framework-neutral REST core ({@link dev.hookline.admin.AdminApi}),
 * token authentication with scopes and tenants, an audit log, the Webhooks admin page, and an
 * adapter for the JDK's {@code HttpServer}.
 */
module dev.hookline.admin {
  requires transitive dev.hookline.delivery;
  requires transitive jdk.httpserver;
  requires com.fasterxml.jackson.databind;
  requires org.slf4j;
  requires static transitive org.jspecify;

  exports dev.hookline.admin;
  exports dev.hookline.admin.spi;
  exports dev.hookline.admin.store;
}
