/** A user's application on the module path: every published module must resolve. */
module app {
  requires dev.hookline.delivery;
  requires dev.hookline.store.jdbc;
  requires dev.hookline.receiver;
  requires dev.hookline.admin;
  requires dev.hookline.micrometer;
  requires dev.hookline.otel;
  requires dev.hookline.set;
  requires dev.hookline.receiver.set;
  requires dev.hookline.testing;
}
